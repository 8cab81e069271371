using System.Globalization;
using ClipSaver.Core.Access;
using ClipSaver.Core.Data;
using ClipSaver.Core.Discord;
using ClipSaver.Core.Guilds;
using ClipSaver.Core.Scanning;
using ClipSaver.Core.Storage;
using ClipSaver.Web.Auth;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using static ClipSaver.Web.Apis.ApiSetup;

namespace ClipSaver.Web.Apis;

/// <summary>Guilds, channels, scans, clips, settings and audit events over REST, under the dashboard's rules.</summary>
public static class GuildsApi
{
    public const int MaxLimit = 200;

    public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

    public sealed record GuildDto(string Id, string Name, string? Icon, string Role, bool Present, DateTimeOffset? DeletedAt, string? DeletionReason, DateTimeOffset? PurgedAt);

    public sealed record GuildDetailDto(string Id, string Name, string? Icon, string Role, DateTimeOffset? DeletedAt, string? DeletionReason, DateTimeOffset? PurgedAt,
        long Clips, long Bytes, int ChannelsArchived, int Channels, DateTimeOffset? ChannelsSyncedAt);

    public sealed record ChannelDto(string Id, string Name, int Type, string? ParentId, int Position, bool Nsfw, bool IsThread, bool Archiving, long Clips, long Bytes,
        DateTimeOffset? LastScanAt, DateTimeOffset? DeletedAt, DateTimeOffset? PurgeCooldownUntil);

    public sealed record ArchiveBody(bool? Enabled);

    public sealed record ScanStartedDto(string Id);

    public sealed record ScanDto(string Id, string ChannelId, string Kind, string Status, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt,
        long MessagesRead, long ClipsFound, long FilesStored, long BytesStored, string? Error);

    public sealed record ClipDto(string Id, string ChannelId, string MessageId, string AuthorId, string Source, string FileName, string? ContentType, long SizeBytes,
        double? DurationSecs, int? Width, int? Height, DateTimeOffset PostedAt, DateTimeOffset ArchivedAt, bool Stored, string? Sha256, string? EmbedUrl, string? SkipReason, string MessageLink);

    public sealed record AuditDto(string Id, DateTimeOffset At, string Action, string? Summary, string? ActorId);

    public static IEndpointRouteBuilder MapGuildsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapApiGroup().WithTags("Guilds");
        api.MapGet("/guilds", ListGuildsAsync).WithSummary("The guilds the caller owns or manages");
        api.MapGet("/guilds/{guildId}", GetGuildAsync).WithSummary("One guild with its counts and state").ProducesProblems(400, 404);
        api.MapGet("/guilds/{guildId}/channels", ListChannelsAsync).WithSummary("The guild's channels and threads").ProducesProblems(400, 404);
        api.MapPut("/guilds/{guildId}/channels/{channelId}/archiving", SetArchivingAsync).WithSummary("Switch archiving of a channel on or off").ProducesProblems(404, 409, 415);
        api.MapPost("/guilds/{guildId}/channels/{channelId}/scans", ScanNowAsync).WithSummary("Start a scan of the channel now").ProducesProblems(400, 404, 409);
        api.MapDelete("/guilds/{guildId}/channels/{channelId}/scans", StopScansAsync).WithSummary("Stop the channel's scans").ProducesProblems(400, 404);
        api.MapGet("/guilds/{guildId}/scans", ListScansAsync).WithSummary("Scans of the guild, newest first").ProducesProblems(404);
        api.MapGet("/guilds/{guildId}/clips", ListClipsAsync).WithSummary("Clips, newest first, with filters and keyset paging").ProducesProblems(404);
        api.MapGet("/guilds/{guildId}/clips/{clipId}", GetClipAsync).WithSummary("One clip").ProducesProblems(400, 404);
        api.MapGet("/guilds/{guildId}/clips/{clipId}/file", GetClipFileAsync).WithSummary("The clip's stored file (range requests supported)")
            .WithDescription("Sent with the content type Discord gave the attachment, or application/octet-stream. A Range header gets 206 with that part, or 416 when it lies outside the file.")
            .ProducesClipFile(StatusCodes.Status200OK)
            .ProducesClipFile(StatusCodes.Status206PartialContent)
            .ProducesProblems(400, 404, 416);
        api.MapGet("/guilds/{guildId}/settings", GetSettingsAsync).WithSummary("The guild's effective settings").ProducesProblems(400, 404);
        api.MapPut("/guilds/{guildId}/settings", PutSettingsAsync).WithSummary("Replace the guild's settings").ProducesProblems(404, 409, 415);
        api.MapPost("/guilds/{guildId}/settings/validate", ValidateSettingsAsync).WithSummary("Check settings without saving them").ProducesProblems(404, 415);
        api.MapGet("/guilds/{guildId}/audit", ListAuditAsync).WithSummary("The guild's audit events, newest first").ProducesProblems(404);
        return app;
    }

    private static async Task<Ok<List<GuildDto>>> ListGuildsAsync(HttpContext http, ClipSaverDbContext db, CancellationToken ct)
    {
        var userId = http.User.DiscordUserId()!.Value;
        var rows = await db.UserGuildAccess.AsNoTracking().Where(a => a.UserId == userId)
            .Select(a => new { a.GuildId, a.GuildName, a.GuildIcon, a.IsOwner, a.Permissions, Guild = db.Guilds.FirstOrDefault(g => g.Id == a.GuildId) })
            .ToListAsync(ct);
        var listed = rows.Where(r => GuildRights.CanManage(r.IsOwner, r.Permissions))
            .Select(r => new GuildDto(Id(r.GuildId), r.Guild?.Name ?? r.GuildName, r.Guild?.IconHash ?? r.GuildIcon, r.IsOwner ? "owner" : "manager",
                r.Guild is not null && r.Guild.PurgedAt is null, r.Guild?.DeletedAt, Snake(r.Guild?.DeletionReason), r.Guild?.PurgedAt));
        // The guilds list of a login is what Discord said at sign-in; a token made on the command line for someone who
        // never signed in still sees the guilds the bot knows they own.
        var known = rows.Select(r => r.GuildId).ToList();
        var owned = await db.Guilds.AsNoTracking().Where(g => g.OwnerId == userId && !known.Contains(g.Id)).ToListAsync(ct);
        return TypedResults.Ok(listed
            .Concat(owned.Select(g => new GuildDto(Id(g.Id), g.Name, g.IconHash, "owner", g.PurgedAt is null, g.DeletedAt, Snake(g.DeletionReason), g.PurgedAt)))
            .OrderBy(g => g.Name, StringComparer.OrdinalIgnoreCase).ToList());
    }

    private static async Task<Results<Ok<GuildDetailDto>, ProblemHttpResult>> GetGuildAsync(Snowflake guildId, HttpContext http, GuildAccess access, ClipSaverDbContext db, CancellationToken ct)
    {
        var id = guildId.ToInt64();
        if (await CheckGuildAsync(http, access, id, GuildRole.Manager, live: false, ct) is { } refused)
        {
            return refused;
        }

        var role = await access.GetRoleAsync(id, http.User.DiscordUserId()!.Value, ct);
        var g = await db.Guilds.AsNoTracking().FirstAsync(x => x.Id == id, ct);
        var channels = await db.Channels.AsNoTracking().Where(c => c.GuildId == id && c.Type != DiscordChannelTypes.GuildCategory)
            .GroupBy(_ => 1).Select(x => new { Clips = x.Sum(c => c.ClipCount), Bytes = x.Sum(c => c.ClipBytes), Reading = x.Count(c => c.IsReading), Count = x.Count() })
            .FirstOrDefaultAsync(ct);
        return TypedResults.Ok(new GuildDetailDto(Id(g.Id), g.Name, g.IconHash, role == GuildRole.Owner ? "owner" : "manager", g.DeletedAt, Snake(g.DeletionReason), g.PurgedAt,
            channels?.Clips ?? 0, channels?.Bytes ?? 0, channels?.Reading ?? 0, channels?.Count ?? 0, g.ChannelsSyncedAt));
    }

    private static async Task<Results<Ok<List<ChannelDto>>, ProblemHttpResult>> ListChannelsAsync(Snowflake guildId, HttpContext http, GuildAccess access, ClipSaverDbContext db, CancellationToken ct)
    {
        var id = guildId.ToInt64();
        if (await CheckGuildAsync(http, access, id, GuildRole.Manager, live: false, ct) is { } refused)
        {
            return refused;
        }

        var channels = await db.Channels.AsNoTracking().Where(c => c.GuildId == id && c.Type != DiscordChannelTypes.GuildCategory).OrderBy(c => c.Position).ThenBy(c => c.Id).ToListAsync(ct);
        return TypedResults.Ok(channels.Select(c => new ChannelDto(Id(c.Id), c.Name, c.Type, c.ParentId is { } p ? Id(p) : null, c.Position, c.Nsfw, c.IsThread, c.IsReading,
            c.ClipCount, c.ClipBytes, c.LastScanAt, c.DeletedAt, c.PurgeCooldownUntil)).ToList());
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> SetArchivingAsync(Snowflake guildId, Snowflake channelId, ArchiveBody body, HttpContext http, GuildAccess access, ChannelArchiving archiving, CancellationToken ct)
    {
        var id = guildId.ToInt64();
        if (await CheckGuildAsync(http, access, id, GuildRole.Manager, live: false, ct) is { } refused)
        {
            return refused;
        }

        if (body.Enabled is not { } enabled)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["enabled"] = ["Send {\"enabled\": true} or {\"enabled\": false}."] }, title: "Bad request body.");
        }

        return await archiving.SetAsync(id, channelId.ToInt64(), enabled, http.User.DiscordUserId(), ct) switch
        {
            ArchiveSwitchResult.UnknownChannel => Unknown("channel"),
            ArchiveSwitchResult.ReadOnly => TypedResults.Problem(statusCode: 409, title: "Read-only.", detail: ChannelArchiving.ReadOnlyMessage),
            ArchiveSwitchResult.NsfwNotAllowed => TypedResults.Problem(statusCode: 409, title: "NSFW channels are not allowed.", detail: ChannelArchiving.NsfwMessage),
            _ => TypedResults.NoContent(),
        };
    }

    private static async Task<Results<Accepted<ScanStartedDto>, ProblemHttpResult>> ScanNowAsync(Snowflake guildId, Snowflake channelId, HttpContext http, GuildAccess access, ClipSaverDbContext db, Scans scans, CancellationToken ct)
    {
        var id = guildId.ToInt64();
        if (await CheckGuildAsync(http, access, id, GuildRole.Manager, live: false, ct) is { } refused)
        {
            return refused;
        }

        var channel = await db.Channels.AsNoTracking().Where(c => c.Id == channelId.ToInt64() && c.GuildId == id)
            .Select(c => new { c.IsReading, c.DeletedAt, GuildDeleted = db.Guilds.Any(g => g.Id == id && g.DeletedAt != null) }).FirstOrDefaultAsync(ct);
        if (channel is null)
        {
            return Unknown("channel");
        }

        if (!channel.IsReading || channel.DeletedAt is not null || channel.GuildDeleted)
        {
            return TypedResults.Problem(statusCode: 409, title: "Not archived.", detail: "Switch archiving on for this channel first.");
        }

        var scanId = await scans.StartAsync(id, channelId.ToInt64(), ScanKind.Manual, ct);
        return TypedResults.Accepted($"/api/guilds/{guildId}/scans?channelId={channelId}", new ScanStartedDto(Id(scanId)));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> StopScansAsync(Snowflake guildId, Snowflake channelId, HttpContext http, GuildAccess access, ClipSaverDbContext db, Scans scans, CancellationToken ct)
    {
        var id = guildId.ToInt64();
        if (await CheckGuildAsync(http, access, id, GuildRole.Manager, live: false, ct) is { } refused)
        {
            return refused;
        }

        if (!await db.Channels.AnyAsync(c => c.Id == channelId.ToInt64() && c.GuildId == id, ct))
        {
            return Unknown("channel");
        }

        await scans.StopChannelScansAsync(channelId.ToInt64(), "Stopped through the API.", ct);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<Page<ScanDto>>, ValidationProblem, ProblemHttpResult>> ListScansAsync(Snowflake guildId, Snowflake? channelId, string? cursor, int? limit, HttpContext http, GuildAccess access, ClipSaverDbContext db, CancellationToken ct)
    {
        var id = guildId.ToInt64();
        if (await CheckGuildAsync(http, access, id, GuildRole.Manager, live: false, ct) is { } refused)
        {
            return refused;
        }

        if (CheckLimit(limit) is { } bad)
        {
            return bad;
        }

        var query = db.ScanRuns.AsNoTracking().Where(r => r.GuildId == id);
        if (channelId is { } c)
        {
            query = query.Where(r => r.ChannelId == c.ToInt64());
        }

        if (cursor is not null)
        {
            if (!long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var before))
            {
                return BadRequest("Bad cursor.", "Use the nextCursor of the previous page.");
            }

            query = query.Where(r => r.Id < before);
        }

        var take = limit ?? 50;
        var rows = await query.OrderByDescending(r => r.Id).Take(take + 1).ToListAsync(ct);
        var items = rows.Take(take).Select(r => new ScanDto(Id(r.Id), Id(r.ChannelId), Snake(r.Kind)!, Snake(r.Status)!, r.CreatedAt, r.StartedAt, r.FinishedAt,
            r.MessagesRead, r.ClipsFound, r.FilesStored, r.BytesStored, r.Error)).ToList();
        return TypedResults.Ok(new Page<ScanDto>(items, rows.Count > take ? items[^1].Id : null));
    }

    private static async Task<Results<Ok<Page<ClipDto>>, ValidationProblem, ProblemHttpResult>> ListClipsAsync(Snowflake guildId, Snowflake? channelId, Snowflake? authorId, DateOnly? from, DateOnly? to, string? cursor, int? limit,
        HttpContext http, GuildAccess access, ClipSaverDbContext db, CancellationToken ct)
    {
        var id = guildId.ToInt64();
        if (await CheckGuildAsync(http, access, id, GuildRole.Manager, live: false, ct) is { } refused)
        {
            return refused;
        }

        if (CheckLimit(limit) is { } bad)
        {
            return bad;
        }

        var query = db.Clips.AsNoTracking().Where(c => c.GuildId == id);
        if (channelId is { } ch)
        {
            query = query.Where(c => c.ChannelId == ch.ToInt64());
        }

        if (authorId is { } au)
        {
            query = query.Where(c => c.AuthorId == au.ToInt64());
        }

        if (from is { } f)
        {
            var since = new DateTimeOffset(f.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            query = query.Where(c => c.PostedAt >= since);
        }

        if (to is { } t)
        {
            var until = new DateTimeOffset(t.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            query = query.Where(c => c.PostedAt < until);
        }

        if (cursor is not null)
        {
            var parts = cursor.Split('_');
            if (parts is not [var ticks, var last] || !long.TryParse(ticks, NumberStyles.None, CultureInfo.InvariantCulture, out var tk) || tk >= DateTimeOffset.MaxValue.UtcTicks
                || !long.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var lastId))
            {
                return BadRequest("Bad cursor.", "Use the nextCursor of the previous page.");
            }

            var at = new DateTimeOffset(tk, TimeSpan.Zero);
            query = query.Where(c => c.PostedAt < at || (c.PostedAt == at && c.Id < lastId));
        }

        var take = limit ?? 50;
        var rows = await query.OrderByDescending(c => c.PostedAt).ThenByDescending(c => c.Id).Take(take + 1).ToListAsync(ct);
        var items = rows.Take(take).Select(ToDto).ToList();
        var next = rows.Count > take ? $"{rows[take - 1].PostedAt.UtcTicks.ToString(CultureInfo.InvariantCulture)}_{Id(rows[take - 1].Id)}" : null;
        return TypedResults.Ok(new Page<ClipDto>(items, next));
    }

    private static async Task<Results<Ok<ClipDto>, ProblemHttpResult>> GetClipAsync(Snowflake guildId, long clipId, HttpContext http, GuildAccess access, ClipSaverDbContext db, CancellationToken ct)
    {
        var id = guildId.ToInt64();
        if (await CheckGuildAsync(http, access, id, GuildRole.Manager, live: false, ct) is { } refused)
        {
            return refused;
        }

        var clip = await db.Clips.AsNoTracking().FirstOrDefaultAsync(c => c.Id == clipId && c.GuildId == id, ct);
        return clip is null ? Unknown("clip") : TypedResults.Ok(ToDto(clip));
    }

    private static async Task<Results<FileStreamHttpResult, ProblemHttpResult>> GetClipFileAsync(Snowflake guildId, long clipId, HttpContext http, GuildAccess access, ClipSaverDbContext db, IClipStorage storage, CancellationToken ct)
    {
        var id = guildId.ToInt64();
        if (await CheckGuildAsync(http, access, id, GuildRole.Manager, live: false, ct) is { } refused)
        {
            return refused;
        }

        var clip = await db.Clips.AsNoTracking().Where(c => c.Id == clipId && c.GuildId == id).Select(c => new { c.StorageKey, c.ContentType, c.FileName }).FirstOrDefaultAsync(ct);
        if (clip?.StorageKey is null || await storage.OpenReadAsync(clip.StorageKey, ct) is not { } stream)
        {
            return Unknown("clip file");
        }

        return TypedResults.Stream(stream, clip.ContentType ?? "application/octet-stream", clip.FileName, enableRangeProcessing: true);
    }

    private static async Task<Results<Ok<GuildSettings>, ProblemHttpResult>> GetSettingsAsync(Snowflake guildId, HttpContext http, GuildAccess access, GuildSettingsStore store, CancellationToken ct)
    {
        var id = guildId.ToInt64();
        if (await CheckGuildAsync(http, access, id, GuildRole.Manager, live: false, ct) is { } refused)
        {
            return refused;
        }

        return TypedResults.Ok(await store.GetAsync(id, ct));
    }

    private static async Task<Results<Ok<GuildSettings>, ValidationProblem, ProblemHttpResult>> PutSettingsAsync(Snowflake guildId, GuildSettings body, HttpContext http, GuildAccess access, GuildSettingsStore store, ClipSaverDbContext db, TimeProvider clock, CancellationToken ct)
    {
        var id = guildId.ToInt64();
        if (await CheckGuildAsync(http, access, id, GuildRole.Manager, live: false, ct) is { } refused)
        {
            return refused;
        }

        if (await db.Guilds.AnyAsync(g => g.Id == id && g.DeletedAt != null, ct))
        {
            return TypedResults.Problem(statusCode: 409, title: "Read-only.", detail: "ClipSaver is no longer in this server; its settings are read-only.");
        }

        var errors = body.Validate();
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(CamelKeys(errors), title: "Invalid settings.");
        }

        var before = await store.GetAsync(id, ct);
        await store.StageAsync(id, body, http.User.DiscordUserId(), ct);
        db.AuditEvents.Add(new AuditEvent
        {
            GuildId = id,
            ActorUserId = http.User.DiscordUserId(),
            Action = "settings.changed",
            Summary = "Settings changed through the API.",
            DataJson = System.Text.Json.JsonSerializer.Serialize(new { before, after = body }, GuildSettings.Json),
            CreatedAt = clock.GetUtcNow(),
        });
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(await store.GetAsync(id, ct));
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> ValidateSettingsAsync(Snowflake guildId, GuildSettings body, HttpContext http, GuildAccess access, CancellationToken ct)
    {
        if (await CheckGuildAsync(http, access, guildId.ToInt64(), GuildRole.Manager, live: false, ct) is { } refused)
        {
            return refused;
        }

        var errors = body.Validate();
        return errors.Count > 0 ? TypedResults.ValidationProblem(CamelKeys(errors), title: "Invalid settings.") : TypedResults.NoContent();
    }

    private static async Task<Results<Ok<Page<AuditDto>>, ValidationProblem, ProblemHttpResult>> ListAuditAsync(Snowflake guildId, string? cursor, int? limit, HttpContext http, GuildAccess access, ClipSaverDbContext db, CancellationToken ct)
    {
        var id = guildId.ToInt64();
        if (await CheckGuildAsync(http, access, id, GuildRole.Manager, live: false, ct) is { } refused)
        {
            return refused;
        }

        if (CheckLimit(limit) is { } bad)
        {
            return bad;
        }

        var query = db.AuditEvents.AsNoTracking().Where(a => a.GuildId == id);
        if (cursor is not null)
        {
            if (!long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var before))
            {
                return BadRequest("Bad cursor.", "Use the nextCursor of the previous page.");
            }

            query = query.Where(a => a.Id < before);
        }

        var take = limit ?? 50;
        var rows = await query.OrderByDescending(a => a.Id).Take(take + 1).ToListAsync(ct);
        var items = rows.Take(take).Select(a => new AuditDto(Id(a.Id), a.CreatedAt, a.Action, a.Summary, a.ActorUserId is { } actor ? Id(actor) : null)).ToList();
        return TypedResults.Ok(new Page<AuditDto>(items, rows.Count > take ? items[^1].Id : null));
    }

    /// <summary>The usual types of a clip's file; OpenAPI does not take a wildcard such as video/*.</summary>
    private static RouteHandlerBuilder ProducesClipFile(this RouteHandlerBuilder endpoint, int statusCode) =>
        endpoint.Produces<Stream>(statusCode, "video/mp4", "video/webm", "video/quicktime", "video/x-matroska", "application/octet-stream");

    private static ValidationProblem? CheckLimit(int? limit) =>
        limit is < 1 or > MaxLimit ? TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = [$"limit must be between 1 and {MaxLimit}."] }, title: "Bad limit.") : null;

    private static Dictionary<string, string[]> CamelKeys(IReadOnlyDictionary<string, string[]> errors) =>
        errors.ToDictionary(e => System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(e.Key), e => e.Value);

    private static ClipDto ToDto(Clip c) => new(Id(c.Id), Id(c.ChannelId), Id(c.MessageId), Id(c.AuthorId), Snake(c.Source)!, c.FileName, c.ContentType, c.SizeBytes,
        c.DurationSecs, c.Width, c.Height, c.PostedAt, c.ArchivedAt, c.StorageKey is not null, c.Sha256, c.EmbedUrl, c.SkipReason,
        $"https://discord.com/channels/{c.GuildId}/{c.ChannelId}/{c.MessageId}");

    private static string? Snake<T>(T? value) where T : struct, Enum => value is { } v ? System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(v.ToString()) : null;

    private static string? Snake<T>(T value) where T : struct, Enum => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());
}

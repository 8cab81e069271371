using static ClipSaver.Web.Apis.ApiSetup;

namespace ClipSaver.Web.Apis;

/// <summary>Guilds, channels, scans, clips, settings and audit events over REST, under the dashboard's rules.</summary>
public static class GuildsApi
{
    public const int MaxLimit = ListClips.MaxLimit;

    public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

    public sealed record GuildDto(string Id, string Name, string? Icon, GuildRole Role, bool Present, DateTimeOffset? DeletedAt, GuildDeletionReason? DeletionReason, DateTimeOffset? PurgedAt);

    public sealed record GuildDetailDto(string Id, string Name, string? Icon, GuildRole Role, DateTimeOffset? DeletedAt, GuildDeletionReason? DeletionReason, DateTimeOffset? PurgedAt,
        long Clips, long Bytes, int ChannelsArchived, int Channels, DateTimeOffset? ChannelsSyncedAt);

    /// <summary>A channel; <see cref="ClipsSkippedOptedOut"/> counts clips not archived because their authors opted out (never who).</summary>
    public sealed record ChannelDto(string Id, string Name, int Type, string? ParentId, int Position, bool Nsfw, bool IsThread, bool Archiving, long Clips, long Bytes,
        DateTimeOffset? LastScanAt, DateTimeOffset? DeletedAt, DateTimeOffset? PurgeCooldownUntil, long ClipsSkippedOptedOut);

    public sealed record ArchiveBody(bool? Enabled);

    public sealed record ScanStartedDto(string Id);

    public sealed record ScanDto(string Id, string ChannelId, ScanKind Kind, ScanStatus Status, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt,
        long MessagesRead, long ClipsFound, long FilesStored, long BytesStored, string? Error, long ClipsSkippedOptedOut);

    public sealed record ClipDto(string Id, string ChannelId, string MessageId, string AuthorId, ClipSource Source, string FileName, string? ContentType, long SizeBytes,
        double? DurationSecs, int? Width, int? Height, DateTimeOffset PostedAt, DateTimeOffset ArchivedAt, bool Stored, string? Sha256, string? EmbedUrl, string? SkipReason, string MessageLink,
        long? DurationMs, bool HasThumbnail, ThumbnailState? ThumbnailState);

    public sealed record AuditDto(string Id, DateTimeOffset At, string Action, string? Summary, string? ActorId);

    public static IEndpointRouteBuilder MapGuildsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapApiGroup().WithTags("Guilds");
        api.MapGet("/guilds", ListGuildsAsync).WithSummary("The guilds the caller owns or manages");

        // Every route below answers 404 for a guild the caller may not see (GuildRoleFilter).
        var guild = api.MapGuildGroup();
        guild.MapGet("", GetGuildAsync).WithSummary("One guild with its counts and state").ProducesProblems(400);
        guild.MapGet("/channels", ListChannelsAsync).WithSummary("The guild's channels and threads").ProducesProblems(400);
        guild.MapPut("/channels/{channelId}/archiving", SetArchivingAsync).WithSummary("Switch archiving of a channel on or off").ProducesProblems(409, 415);
        guild.MapPost("/channels/{channelId}/scans", ScanNowAsync).WithSummary("Start a scan of the channel now").ProducesProblems(400, 409);
        guild.MapDelete("/channels/{channelId}/scans", StopScansAsync).WithSummary("Stop the channel's scans").ProducesProblems(400);
        guild.MapGet("/scans", ListScansAsync).WithSummary("Scans of the guild, newest first");
        guild.MapGet("/clips", ListClipsAsync).WithSummary("Clips, newest first (or sort=oldest, largest, smallest), with filters, a search (q) and keyset paging");
        guild.MapGet("/clips/{clipId}", GetClipAsync).WithSummary("One clip").ProducesProblems(400);
        guild.MapGet("/clips/{clipId}/file", GetClipFileAsync).WithSummary("The clip's stored file (range requests supported)")
            .WithDescription("Sent with the video/* content type Discord gave the attachment; any other type as application/octet-stream. A Range header gets 206 with that part, or 416 when it lies outside the file.")
            .ProducesClipFile(StatusCodes.Status200OK)
            .ProducesClipFile(StatusCodes.Status206PartialContent)
            .ProducesProblems(400, 416);
        guild.MapGet("/clips/{clipId}/thumbnail", GetClipThumbnailAsync).WithSummary("The clip's poster image (JPEG, 320 × 180)")
            .WithDescription("Made once after the file is stored (hasThumbnail in the clip). Cached privately for a year with an ETag; If-None-Match with it answers 304. 404 while there is none (not made yet, or the file has no video).")
            .Produces<Stream>(StatusCodes.Status200OK, ThumbnailMaker.ContentType)
            .Produces(StatusCodes.Status304NotModified)
            .ProducesProblems(400);
        guild.MapGet("/settings", GetSettingsAsync).WithSummary("The guild's effective settings").ProducesProblems(400);
        guild.MapPut("/settings", PutSettingsAsync).WithSummary("Replace the guild's settings").ProducesProblems(409, 415);
        guild.MapPost("/settings/validate", ValidateSettings).WithSummary("Check settings without saving them").ProducesProblems(415);
        guild.MapGet("/audit", ListAuditAsync).WithSummary("The guild's audit events, newest first");
        return app;
    }

    private static async Task<Ok<List<GuildDto>>> ListGuildsAsync(HttpContext http, ClipSaverDbContext db, CancellationToken ct)
    {
        var userId = http.User.DiscordUserId()!.Value;
        var rows = await db.UserGuildAccess.AsNoTracking().Where(a => a.UserId == userId)
            .Select(a => new { a.GuildId, a.GuildName, a.GuildIcon, a.IsOwner, a.Permissions, Guild = db.Guilds.FirstOrDefault(g => g.Id == a.GuildId) })
            .ToListAsync(ct);
        var listed = rows.Where(r => GuildRights.CanManage(r.IsOwner, r.Permissions))
            .Select(r => new GuildDto(Id(r.GuildId), r.Guild?.Name ?? r.GuildName, r.Guild?.IconHash ?? r.GuildIcon, r.IsOwner ? GuildRole.Owner : GuildRole.Manager,
                r.Guild is not null && r.Guild.PurgedAt is null, r.Guild?.DeletedAt, r.Guild?.DeletionReason, r.Guild?.PurgedAt));
        // The guilds list of a login is what Discord said at sign-in; a token made on the command line for someone who
        // never signed in still sees the guilds the bot knows they own.
        var known = rows.Select(r => r.GuildId).ToList();
        var owned = await db.Guilds.AsNoTracking().Where(g => g.OwnerId == userId && !known.Contains(g.Id)).ToListAsync(ct);
        return TypedResults.Ok(listed
            .Concat(owned.Select(g => new GuildDto(Id(g.Id), g.Name, g.IconHash, GuildRole.Owner, g.PurgedAt is null, g.DeletedAt, g.DeletionReason, g.PurgedAt)))
            .OrderBy(g => g.Name, StringComparer.OrdinalIgnoreCase).ToList());
    }

    private static async Task<Ok<GuildDetailDto>> GetGuildAsync(Snowflake guildId, HttpContext http, ClipSaverDbContext db, CancellationToken ct)
    {
        var id = guildId.ToInt64();
        var g = await db.Guilds.AsNoTracking().FirstAsync(x => x.Id == id, ct);
        var channels = await db.Channels.AsNoTracking().Where(c => c.GuildId == id && c.Type != DiscordChannelTypes.GuildCategory)
            .GroupBy(_ => 1).Select(x => new { Clips = x.Sum(c => c.ClipCount), Bytes = x.Sum(c => c.ClipBytes), Reading = x.Count(c => c.IsReading), Count = x.Count() })
            .FirstOrDefaultAsync(ct);
        return TypedResults.Ok(new GuildDetailDto(Id(g.Id), g.Name, g.IconHash, http.Caller().Role, g.DeletedAt, g.DeletionReason, g.PurgedAt,
            channels?.Clips ?? 0, channels?.Bytes ?? 0, channels?.Reading ?? 0, channels?.Count ?? 0, g.ChannelsSyncedAt));
    }

    private static async Task<Ok<List<ChannelDto>>> ListChannelsAsync(Snowflake guildId, ClipSaverDbContext db, CancellationToken ct)
    {
        var id = guildId.ToInt64();
        var channels = await db.Channels.AsNoTracking().Where(c => c.GuildId == id && c.Type != DiscordChannelTypes.GuildCategory).OrderBy(c => c.Position).ThenBy(c => c.Id).ToListAsync(ct);
        return TypedResults.Ok(channels.Select(c => new ChannelDto(Id(c.Id), c.Name, c.Type, c.ParentId is { } p ? Id(p) : null, c.Position, c.Nsfw, c.IsThread, c.IsReading,
            c.ClipCount, c.ClipBytes, c.LastScanAt, c.DeletedAt, c.PurgeCooldownUntil, c.ClipsSkippedOptedOut)).ToList());
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> SetArchivingAsync(Snowflake guildId, Snowflake channelId, ArchiveBody body, HttpContext http, ChannelArchiving archiving, CancellationToken ct)
    {
        if (body.Enabled is not { } enabled)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["enabled"] = ["Send {\"enabled\": true} or {\"enabled\": false}."] }, title: "Bad request body.");
        }

        return await archiving.SetAsync(http.Caller().Actor, guildId.ToInt64(), channelId.ToInt64(), enabled, ct) switch
        {
            ArchiveSwitchResult.UnknownGuild => Unknown("guild"),
            ArchiveSwitchResult.UnknownChannel => Unknown("channel"),
            ArchiveSwitchResult.ReadOnly => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Read-only.", detail: ChannelArchiving.ReadOnlyMessage),
            ArchiveSwitchResult.NsfwNotAllowed => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "NSFW channels are not allowed.", detail: ChannelArchiving.NsfwMessage),
            _ => TypedResults.NoContent(),
        };
    }

    private static async Task<Results<Accepted<ScanStartedDto>, ProblemHttpResult>> ScanNowAsync(Snowflake guildId, Snowflake channelId, HttpContext http, ScanNow scanNow, CancellationToken ct) =>
        await scanNow.StartAsync(http.Caller().Actor, guildId.ToInt64(), channelId.ToInt64(), ct) switch
        {
            ScanNowResult.Started s => TypedResults.Accepted($"/api/guilds/{guildId}/scans?channelId={channelId}", new ScanStartedDto(Id(s.ScanId))),
            ScanNowResult.NotArchived => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Not archived.", detail: ScanNow.NotArchivedMessage),
            ScanNowResult.NotFound n => Unknown(n.What),
            _ => throw new InvalidOperationException("Unknown scan result."),
        };

    private static async Task<Results<NoContent, ProblemHttpResult>> StopScansAsync(Snowflake guildId, Snowflake channelId, HttpContext http, StopScans stopScans, CancellationToken ct) =>
        await stopScans.StopAsync(http.Caller().Actor, guildId.ToInt64(), channelId.ToInt64(), ct) switch
        {
            StopScansResult.Stopped => TypedResults.NoContent(),
            StopScansResult.NotFound n => Unknown(n.What),
            _ => throw new InvalidOperationException("Unknown stop result."),
        };

    private static async Task<Results<Ok<Page<ScanDto>>, ValidationProblem, ProblemHttpResult>> ListScansAsync(Snowflake guildId, Snowflake? channelId, string? cursor, int? limit, ClipSaverDbContext db, CancellationToken ct)
    {
        if (CheckLimit(limit) is { } bad)
        {
            return bad;
        }

        var id = guildId.ToInt64();
        var query = db.ScanRuns.AsNoTracking().Where(r => r.GuildId == id);
        if (channelId is { } c)
        {
            query = query.Where(r => r.ChannelId == c.ToInt64());
        }

        if (!TryParseIdCursor(cursor, out var before))
        {
            return BadCursor();
        }

        var take = limit ?? 50;
        var rows = await query.Where(r => r.Id < before).OrderByDescending(r => r.Id).Take(take + 1).ToListAsync(ct);
        var items = rows.Take(take).Select(r => new ScanDto(Id(r.Id), Id(r.ChannelId), r.Kind, r.Status, r.CreatedAt, r.StartedAt, r.FinishedAt,
            r.MessagesRead, r.ClipsFound, r.FilesStored, r.BytesStored, r.Error, r.ClipsSkippedOptedOut)).ToList();
        return TypedResults.Ok(new Page<ScanDto>(items, rows.Count > take ? items[^1].Id : null));
    }

    private static async Task<Results<Ok<Page<ClipDto>>, ValidationProblem, ProblemHttpResult>> ListClipsAsync(Snowflake guildId, Snowflake? channelId, Snowflake? authorId, DateOnly? from, DateOnly? to, string? cursor, int? limit,
        string? sort, string? q, HttpContext http, ListClips clips, CancellationToken ct)
    {
        if (CheckLimit(limit) is { } bad)
        {
            return bad;
        }

        // newest (the default), oldest, largest, smallest: the clip browser's orders, and a cursor belongs to its order.
        var order = ClipSort.Newest;
        if (sort is not null && (!Enum.TryParse(sort, ignoreCase: true, out order) || !Enum.IsDefined(order) || int.TryParse(sort, out _)))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["sort"] = ["Use newest, oldest, largest or smallest."] });
        }

        var filter = new ClipFilter(channelId?.ToInt64(), authorId?.ToInt64(), from, to, cursor, order, q);
        return await clips.ListAsync(http.Caller().Actor, guildId.ToInt64(), filter, limit ?? 50, ct) switch
        {
            ListClipsResult.Listed l => TypedResults.Ok(new Page<ClipDto>([.. l.Clips.Select(ToDto)], l.NextCursor)),
            ListClipsResult.BadCursor => BadCursor(),
            ListClipsResult.BadSearch b => TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["q"] = [b.Problem] }, title: ClipSearch.Title),
            ListClipsResult.UnknownGuild => Unknown("guild"),
            _ => throw new InvalidOperationException("Unknown clip list result."),
        };
    }

    private static async Task<Results<Ok<ClipDto>, ProblemHttpResult>> GetClipAsync(Snowflake guildId, long clipId, ClipSaverDbContext db, CancellationToken ct)
    {
        var id = guildId.ToInt64();
        var clip = await db.Clips.AsNoTracking().FirstOrDefaultAsync(c => c.Id == clipId && c.GuildId == id, ct);
        return clip is null ? Unknown("clip") : TypedResults.Ok(ToDto(clip));
    }

    private static async Task<Results<FileStreamHttpResult, ProblemHttpResult>> GetClipFileAsync(Snowflake guildId, long clipId, HttpContext http, ReadClipFile files, CancellationToken ct) =>
        await files.OpenAsync(http.Caller().Actor, guildId.ToInt64(), clipId, ct) switch
        {
            ClipFileResult.Found f => TypedResults.Stream(f.Content, f.ContentType, f.FileName, enableRangeProcessing: true),
            ClipFileResult.NotFound n => Unknown(n.What),
            _ => throw new InvalidOperationException("Unknown clip file result."),
        };

    private static async Task<Results<FileStreamHttpResult, StatusCodeHttpResult, ProblemHttpResult>> GetClipThumbnailAsync(Snowflake guildId, long clipId, HttpContext http, ReadClipFile files, CancellationToken ct) =>
        ThumbnailHttp.ToApiResult(await files.OpenThumbnailAsync(http.Caller().Actor, guildId.ToInt64(), clipId, ThumbnailHttp.IfNoneMatch(http.Request), ct), http.Response, Unknown);

    private static async Task<Ok<GuildSettings>> GetSettingsAsync(Snowflake guildId, GuildSettingsStore store, CancellationToken ct) =>
        TypedResults.Ok(await store.GetAsync(guildId.ToInt64(), ct));

    private static async Task<Results<Ok<GuildSettings>, ValidationProblem, ProblemHttpResult>> PutSettingsAsync(Snowflake guildId, GuildSettings body, HttpContext http, ChangeGuildSettings change, CancellationToken ct) =>
        await change.ChangeAsync(http.Caller().Actor, guildId.ToInt64(), body, ct) switch
        {
            SettingsChangeResult.Saved s => TypedResults.Ok(s.Settings),
            SettingsChangeResult.Invalid i => TypedResults.ValidationProblem(CamelKeys(i.Errors), title: "Invalid settings."),
            SettingsChangeResult.GuildRemoved => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Read-only.", detail: ChangeGuildSettings.ReadOnlyMessage),
            SettingsChangeResult.UnknownGuild => Unknown("guild"),
            _ => throw new InvalidOperationException("Unknown settings result."),
        };

    /// <summary>Only the settings' own rules (<see cref="GuildSettings.Validate"/>); <paramref name="guildId"/> is bound for the group's guild check.</summary>
    private static Results<NoContent, ValidationProblem> ValidateSettings(Snowflake guildId, GuildSettings body)
    {
        _ = guildId;
        var errors = body.Validate();
        return errors.Count > 0 ? TypedResults.ValidationProblem(CamelKeys(errors), title: "Invalid settings.") : TypedResults.NoContent();
    }

    private static async Task<Results<Ok<Page<AuditDto>>, ValidationProblem, ProblemHttpResult>> ListAuditAsync(Snowflake guildId, string? cursor, int? limit, ClipSaverDbContext db, CancellationToken ct)
    {
        if (CheckLimit(limit) is { } bad)
        {
            return bad;
        }

        if (!TryParseIdCursor(cursor, out var before))
        {
            return BadCursor();
        }

        var id = guildId.ToInt64();
        var take = limit ?? 50;
        var rows = await db.AuditEvents.AsNoTracking().Where(a => a.GuildId == id && a.Id < before).OrderByDescending(a => a.Id).Take(take + 1).ToListAsync(ct);
        var items = rows.Take(take).Select(a => new AuditDto(Id(a.Id), a.CreatedAt, a.Action, a.Summary, a.ActorUserId is { } actor ? Id(actor) : null)).ToList();
        return TypedResults.Ok(new Page<AuditDto>(items, rows.Count > take ? items[^1].Id : null));
    }

    /// <summary>The usual types of a clip's file; OpenAPI does not take a wildcard such as video/*.</summary>
    private static RouteHandlerBuilder ProducesClipFile(this RouteHandlerBuilder endpoint, int statusCode) =>
        endpoint.Produces<Stream>(statusCode, "video/mp4", "video/webm", "video/quicktime", "video/x-matroska", ReadClipFile.Fallback);

    internal static ValidationProblem? CheckLimit(int? limit) =>
        limit is < 1 or > MaxLimit ? TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = [$"limit must be between 1 and {MaxLimit}."] }, title: "Bad limit.") : null;

    /// <summary>Scans and audit events page by id, newest first: the cursor is the last id shown (none: from the newest).</summary>
    private static bool TryParseIdCursor(string? cursor, out long before)
    {
        before = long.MaxValue;
        return cursor is null || long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out before);
    }

    internal static ProblemHttpResult BadCursor() => BadRequest(ClipCursor.Title, ClipCursor.Problem);

    internal static Dictionary<string, string[]> CamelKeys(IReadOnlyDictionary<string, string[]> errors) =>
        errors.ToDictionary(e => System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(e.Key), e => e.Value);

    internal static ClipDto ToDto(Clip c) => new(Id(c.Id), Id(c.ChannelId), Id(c.MessageId), Id(c.AuthorId), c.Source, c.FileName, c.ContentType, c.SizeBytes,
        c.DurationSecs, c.Width, c.Height, c.PostedAt, c.ArchivedAt, c.StorageKey is not null, c.Sha256, c.EmbedUrl, c.SkipReason,
        $"https://discord.com/channels/{c.GuildId}/{c.ChannelId}/{c.MessageId}",
        c.DurationSecs is { } secs ? (long)Math.Round(secs * 1000) : null, c.ThumbnailState == ThumbnailState.Made && c.StorageKey is not null, c.ThumbnailState);
}

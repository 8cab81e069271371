using System.Globalization;
using ClipSaver.Core.Access;
using ClipSaver.Core.Data;
using ClipSaver.Core.Discord;
using ClipSaver.Core.Purging;
using ClipSaver.Web.Auth;
using ClipSaver.Web.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace ClipSaver.Web.Apis;

/// <summary>Purges over REST: the same service and rules as the danger zone (owner only, checked live with Discord).</summary>
public static class PurgesApi
{
    public sealed record PurgeBody(string? Confirm);

    /// <summary>A purge run. <see cref="ToDelete"/> holds what it deletes, counted when it was requested: clips, files, bytes, scan runs (and members and channels).</summary>
    public sealed record PurgeStatusDto(
        string Id,
        string GuildId,
        string Scope,
        string? ChannelId,
        string Status,
        string? Step,
        DateTimeOffset RequestedAt,
        DateTimeOffset NotBefore,
        DateTimeOffset? StartedAt,
        DateTimeOffset? FinishedAt,
        PurgeReport Progress,
        PurgeReport? Report,
        string? Error,
        PurgePreview? ToDelete);

    public sealed record PreviewDto(string Scope, string? ChannelId, long Clips, long Files, long Bytes, long ScanRuns, long Members, long Channels, DateTimeOffset? CooldownUntil, string ConfirmPhrase);

    /// <summary>A purge request's refusals: wrong phrase or malformed body, a manager, a guild or channel the caller may not see, a conflicting purge, a body that is not JSON.</summary>
    private static readonly int[] RequestProblems = [400, 403, 404, 409, 415];

    public static IEndpointRouteBuilder MapPurgesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapApiGroup().WithTags("Purges");
        api.MapPost("/guilds/{guildId}/channels/{channelId}/purge", (Snowflake guildId, Snowflake channelId, PurgeBody body, HttpContext http, GuildAccess access, PurgeRequests purges, TimeProvider clock, CancellationToken ct) =>
            RequestAsync(guildId.ToInt64(), PurgeScope.Channel, channelId.ToInt64(), body, http, access, purges, clock, ct))
            .WithSummary("Purge one channel (owner only; confirm with the channel's name)").ProducesProblems(RequestProblems);
        api.MapPost("/guilds/{guildId}/channels/purge", (Snowflake guildId, PurgeBody body, HttpContext http, GuildAccess access, PurgeRequests purges, TimeProvider clock, CancellationToken ct) =>
            RequestAsync(guildId.ToInt64(), PurgeScope.AllChannels, null, body, http, access, purges, clock, ct))
            .WithSummary("Purge all channels (owner only; confirm with DELETE ALL CHANNELS)").ProducesProblems(RequestProblems);
        api.MapPost("/guilds/{guildId}/purge", (Snowflake guildId, PurgeBody body, HttpContext http, GuildAccess access, PurgeRequests purges, TimeProvider clock, CancellationToken ct) =>
            RequestAsync(guildId.ToInt64(), PurgeScope.Guild, null, body, http, access, purges, clock, ct))
            .WithSummary("Purge the whole guild; the bot then leaves it (owner only; confirm with DELETE GUILD)").ProducesProblems(RequestProblems);
        api.MapGet("/guilds/{guildId}/purges/preview", (Snowflake guildId, string? scope, Snowflake? channelId, HttpContext http, GuildAccess access, ClipSaverDbContext db, TimeProvider clock, CancellationToken ct) =>
            PreviewAsync(guildId.ToInt64(), scope, channelId?.ToInt64(), http, access, db, clock, ct))
            .WithSummary("What a purge would delete, and whether its cooldown allows it now").ProducesProblems(400, 403, 404);
        api.MapGet("/guilds/{guildId}/purges/preview/clips.csv", (Snowflake guildId, string? scope, Snowflake? channelId, HttpContext http, GuildAccess access, ClipSaverDbContext db, CancellationToken ct) =>
            ClipListAsync(guildId.ToInt64(), scope, channelId?.ToInt64(), http, access, db, ct))
            .WithSummary("The clips a purge would delete, as CSV (the danger zone's clip list)")
            .WithDescription("The same scope parameters and rights as the preview. Columns: channel, message_link, author, file_name, size_bytes, posted_at, sha256.")
            .Produces<string>(StatusCodes.Status200OK, "text/csv")
            .ProducesProblems(400, 403, 404);
        api.MapGet("/guilds/{guildId}/purges", (Snowflake guildId, HttpContext http, GuildAccess access, ClipSaverDbContext db, CancellationToken ct) => ListAsync(guildId.ToInt64(), http, access, db, ct))
            .WithSummary("The guild's purges, newest first").ProducesProblems(400, 404);
        api.MapGet("/purges/{id}", GetAsync).WithSummary("One purge: status, progress and, when done, its report").ProducesProblems(400, 404);
        api.MapDelete("/purges/{id}", CancelAsync).WithSummary("Cancel a purge inside its undo window (owner only)").ProducesProblems(400, 403, 404, 409);
        return app;
    }

    private static async Task<Results<Accepted<PurgeStatusDto>, ProblemHttpResult>> RequestAsync(
        long guildId, PurgeScope scope, long? channelId, PurgeBody body, HttpContext http, GuildAccess access, PurgeRequests purges, TimeProvider clock, CancellationToken ct)
    {
        var userId = http.User.DiscordUserId()!.Value;
        switch (await access.GetLiveRoleAsync(guildId, userId, ct))
        {
            case GuildRole.None:
                return ApiSetup.Unknown("guild");
            case GuildRole.Manager:
                return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Only the server's owner can purge.");
        }

        var result = await purges.RequestAsync(guildId, scope, channelId, body.Confirm, userId, ct);
        switch (result)
        {
            case PurgeRequestResult.Accepted a:
                return TypedResults.Accepted($"/api/purges/{a.Run.Id}", ToDto(a.Run));
            case PurgeRequestResult.WrongPhrase w:
                return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Wrong confirmation phrase.", detail: $"Nothing was deleted. Send {{\"confirm\": \"{w.Expected}\"}} exactly (case-sensitive).");
            case PurgeRequestResult.CoolingDown c:
                var seconds = Math.Max(1, (int)Math.Ceiling((c.AllowedAt - clock.GetUtcNow()).TotalSeconds));
                http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status429TooManyRequests,
                    title: "Purged less than 24 hours ago.",
                    detail: $"Nothing was deleted. This scope may be purged again at {c.AllowedAt.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}.",
                    extensions: new Dictionary<string, object?> { ["allowedAt"] = c.AllowedAt });
            case PurgeRequestResult.Conflict c:
                return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflicting purge.", detail: c.Reason);
            case PurgeRequestResult.NotFound n:
                return ApiSetup.Unknown(n.What);
            default:
                throw new InvalidOperationException("Unknown purge result.");
        }
    }

    private sealed record PreviewScope(PurgeScope Scope, string? ChannelName, DateTimeOffset? CooldownUntil);

    /// <summary>The owner's check and the scope parameters of the preview and the clip list: a problem, or the scope.</summary>
    private static async Task<(ProblemHttpResult? Problem, PreviewScope? Scope)> PreviewScopeAsync(
        long guildId, string? scope, long? channelId, HttpContext http, GuildAccess access, ClipSaverDbContext db, CancellationToken ct)
    {
        var role = await access.GetRoleAsync(guildId, http.User.DiscordUserId()!.Value, ct);
        if (role == GuildRole.None)
        {
            return (ApiSetup.Unknown("guild"), null);
        }

        if (role != GuildRole.Owner)
        {
            return (TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Only the server's owner can purge."), null);
        }

        PurgeScope? parsed = scope switch { "channel" => PurgeScope.Channel, "all" => PurgeScope.AllChannels, "guild" => PurgeScope.Guild, _ => null };
        if (parsed is not { } s || (s == PurgeScope.Channel) != channelId.HasValue)
        {
            return (TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad preview request.", detail: "Use scope=channel with channelId, or scope=all or scope=guild without it."), null);
        }

        if (s == PurgeScope.Channel)
        {
            var channel = await db.Channels.AsNoTracking().Where(c => c.Id == channelId && c.GuildId == guildId).Select(c => new { c.Name, c.PurgeCooldownUntil }).FirstOrDefaultAsync(ct);
            return channel is null ? (ApiSetup.Unknown("channel"), null) : (null, new PreviewScope(s, channel.Name, channel.PurgeCooldownUntil));
        }

        var cooldown = s == PurgeScope.AllChannels ? await db.Guilds.Where(g => g.Id == guildId).Select(g => g.AllChannelsPurgeCooldownUntil).FirstAsync(ct) : null;
        return (null, new PreviewScope(s, null, cooldown));
    }

    private static async Task<Results<Ok<PreviewDto>, ProblemHttpResult>> PreviewAsync(
        long guildId, string? scope, long? channelId, HttpContext http, GuildAccess access, ClipSaverDbContext db, TimeProvider clock, CancellationToken ct)
    {
        var (problem, s) = await PreviewScopeAsync(guildId, scope, channelId, http, access, db, ct);
        if (problem is not null)
        {
            return problem;
        }

        var p = await PurgePreview.CountAsync(db, guildId, s!.Scope, channelId, ct);
        var now = clock.GetUtcNow();
        return TypedResults.Ok(new PreviewDto(scope!, channelId is { } cid ? ApiSetup.Id(cid) : null, p.Clips, p.Files, p.Bytes, p.ScanRuns, p.Members, p.Channels,
            s.CooldownUntil > now ? s.CooldownUntil : null, PurgePhrases.For(s.Scope, s.ChannelName)));
    }

    private static async Task<Results<PushStreamHttpResult, ProblemHttpResult>> ClipListAsync(
        long guildId, string? scope, long? channelId, HttpContext http, GuildAccess access, ClipSaverDbContext db, CancellationToken ct)
    {
        var (problem, s) = await PreviewScopeAsync(guildId, scope, channelId, http, access, db, ct);
        if (problem is not null)
        {
            return problem;
        }

        return TypedResults.Stream(
            body => ClipCsv.WriteAsync(body, ClipCsv.ForPurgeScope(db, guildId, s!.Scope, channelId), ct),
            ClipCsv.ContentType,
            ClipCsv.FileName(guildId, s!.Scope, channelId));
    }

    private static async Task<Results<Ok<PurgeStatusDto>, ProblemHttpResult>> GetAsync(long id, HttpContext http, GuildAccess access, ClipSaverDbContext db, CancellationToken ct)
    {
        var run = await db.PurgeRuns.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id, ct);
        if (run is null || await access.GetRoleAsync(run.GuildId, http.User.DiscordUserId()!.Value, ct) == GuildRole.None)
        {
            return ApiSetup.Unknown("purge");
        }

        return TypedResults.Ok(ToDto(run));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> CancelAsync(long id, HttpContext http, GuildAccess access, PurgeRequests purges, ClipSaverDbContext db, CancellationToken ct)
    {
        var userId = http.User.DiscordUserId()!.Value;
        var guildId = await db.PurgeRuns.Where(p => p.Id == id).Select(p => (long?)p.GuildId).FirstOrDefaultAsync(ct);
        var role = guildId is null ? GuildRole.None : await access.GetLiveRoleAsync(guildId.Value, userId, ct);
        if (role == GuildRole.None)
        {
            return ApiSetup.Unknown("purge");
        }

        if (role != GuildRole.Owner)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Only the server's owner can cancel a purge.");
        }

        return await purges.CancelAsync(guildId!.Value, id, userId, ct)
            ? TypedResults.NoContent()
            : TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Too late to cancel.", detail: "This purge has already started or ended.");
    }

    private static async Task<Results<Ok<List<PurgeStatusDto>>, ProblemHttpResult>> ListAsync(long guildId, HttpContext http, GuildAccess access, ClipSaverDbContext db, CancellationToken ct)
    {
        if (await ApiSetup.CheckGuildAsync(http, access, guildId, GuildRole.Manager, live: false, ct) is { } refused)
        {
            return refused;
        }

        var runs = await db.PurgeRuns.AsNoTracking().Where(p => p.GuildId == guildId).OrderByDescending(p => p.RequestedAt).Take(100).ToListAsync(ct);
        return TypedResults.Ok(runs.Select(ToDto).ToList());
    }

    private static PurgeStatusDto ToDto(PurgeRun r) => new(
        ApiSetup.Id(r.Id), ApiSetup.Id(r.GuildId), r.Scope switch { PurgeScope.Channel => "channel", PurgeScope.AllChannels => "all", _ => "guild" }, r.ChannelId is { } c ? ApiSetup.Id(c) : null,
        SnakeCase(r.Status.ToString()), r.Step, r.RequestedAt, r.NotBefore, r.StartedAt, r.FinishedAt,
        PurgeReport.Parse(r.ProgressJson), r.Status == PurgeStatus.Completed ? PurgeReport.Parse(r.ReportJson) : null, r.Error, PurgePreview.Parse(r.PreviewJson));

    private static string SnakeCase(string name) => name.ToLowerInvariant();
}

namespace ClipSaver.Web.Apis;

/// <summary>
/// Purges over REST: the danger zone's use cases (<see cref="RequestPurge"/>, <see cref="PreviewPurge"/>,
/// <see cref="CancelPurge"/>, <see cref="ListPurgeClips"/>), which check the owner themselves; refusals map through
/// <see cref="StatusCode"/> and <see cref="Problem"/>, which the danger zone shares.
/// </summary>
public static class PurgesApi
{
    /// <summary>
    /// A purge request. <see cref="OlderThan"/> (a day, <c>2026-01-01</c>: clips posted before it, UTC) or
    /// <see cref="FailedOnly"/> (clips whose file could not be archived) narrows a channel or all-channels purge; one at
    /// a time, never for the whole server (decision 021).
    /// </summary>
    public sealed record PurgeBody(string? Confirm, string? OlderThan = null, bool? FailedOnly = null);

    /// <summary>A purge run. <see cref="ToDelete"/> holds what it deletes, counted when it was requested: clips, files, bytes, scan runs (and members and channels).</summary>
    public sealed record PurgeStatusDto(
        string Id,
        string GuildId,
        PurgeScope Scope,
        string? ChannelId,
        PurgeStatus Status,
        string? Step,
        DateTimeOffset RequestedAt,
        DateTimeOffset NotBefore,
        DateTimeOffset? StartedAt,
        DateTimeOffset? FinishedAt,
        PurgeReport Progress,
        PurgeReport? Report,
        string? Error,
        PurgePreview? ToDelete,
        DateOnly? OlderThan,
        bool FailedOnly,
        PurgeLive Live);

    public sealed record PreviewDto(
        PurgeScope Scope, string? ChannelId, long Clips, long Files, long Bytes, long ScanRuns, long Members, long Channels, DateTimeOffset? CooldownUntil, string ConfirmPhrase,
        DateOnly? OlderThan, bool FailedOnly, string Description);

    /// <summary>A purge request's refusals: wrong phrase or malformed body, a manager, a guild or channel the caller may not see, a conflicting purge, a body that is not JSON, narrowing options that cannot be.</summary>
    private static readonly int[] RequestProblems = [400, 403, 404, 409, 415, 422];

    private const string NarrowerDescription =
        "The body may narrow the purge: \"olderThan\": \"2026-01-01\" deletes only the clips posted before that day (UTC; today or earlier), " +
        "\"failedOnly\": true only the clips whose file could not be archived. One of the two at a time. Only the matching clips go: the channels stay archived and are scanned again. " +
        "Same phrase, undo window and 24-hour cooldown as the whole purge. An unreadable date is a 400; a day in the future or both options a 422.";

    public static IEndpointRouteBuilder MapPurgesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapApiGroup().WithTags("Purges");
        api.MapPost("/guilds/{guildId}/channels/{channelId}/purge", (Snowflake guildId, Snowflake channelId, PurgeBody body, HttpContext http, RequestPurge purge, TimeProvider clock, CancellationToken ct) =>
            RequestAsync(guildId.ToInt64(), PurgeScope.Channel, channelId.ToInt64(), body, http, purge, clock, ct))
            .WithSummary("Purge one channel and its threads (owner only; confirm with the channel's name)").WithDescription(NarrowerDescription).ProducesProblems(RequestProblems);
        api.MapPost("/guilds/{guildId}/channels/purge", (Snowflake guildId, PurgeBody body, HttpContext http, RequestPurge purge, TimeProvider clock, CancellationToken ct) =>
            RequestAsync(guildId.ToInt64(), PurgeScope.AllChannels, null, body, http, purge, clock, ct))
            .WithSummary("Purge all channels (owner only; confirm with DELETE ALL CHANNELS)").WithDescription(NarrowerDescription).ProducesProblems(RequestProblems);
        api.MapPost("/guilds/{guildId}/purge", (Snowflake guildId, PurgeBody body, HttpContext http, RequestPurge purge, TimeProvider clock, CancellationToken ct) =>
            RequestAsync(guildId.ToInt64(), PurgeScope.Guild, null, body, http, purge, clock, ct))
            .WithSummary("Purge the whole guild; the bot then leaves it (owner only; confirm with DELETE SERVER; DELETE GUILD is still accepted)").ProducesProblems(RequestProblems);
        api.MapGet("/guilds/{guildId}/purges/preview", PreviewAsync)
            .WithSummary("What a purge would delete, and whether its cooldown allows it now")
            .WithDescription("scope is channel (with channelId), all_channels or guild; all is read as all_channels. olderThan=2026-01-01 or failedOnly=true previews a narrower purge, as the request's body would ask it.")
            .ProducesProblems(400, 403, 404, 422);
        api.MapGet("/guilds/{guildId}/purges/preview/clips.csv", ClipListAsync)
            .WithSummary("The clips a purge would delete, as CSV (the danger zone's clip list)")
            .WithDescription("The same scope parameters and rights as the preview. Columns: channel, message_link, author, file_name, size_bytes, posted_at, sha256.")
            .Produces<string>(StatusCodes.Status200OK, "text/csv")
            .ProducesProblems(400, 403, 404, 422);
        api.MapGuildGroup().MapGet("/purges", (Snowflake guildId, HttpContext http, ClipSaverDbContext db, TimeProvider clock, CancellationToken ct) => ListAsync(http.Caller().GuildId, db, clock, ct))
            .WithSummary("The guild's purges, newest first").ProducesProblems(400, 404);
        api.MapGet("/purges/{id}", GetAsync).WithSummary("One purge: status, progress and, when done, its report (also a member's deletion of their own clips, for that member)")
            .WithDescription("live holds the steps, the clips deleted of those counted at the request, and estimatedSecondsLeft from the rate so far (null while estimating).")
            .ProducesProblems(400, 404);
        api.MapDelete("/purges/{id}", CancelAsync).WithSummary("Cancel a purge inside its undo window (the owner; for a member's deletion of their own clips, that member)").ProducesProblems(400, 403, 404, 409);
        return app;
    }

    private static Actor Caller(HttpContext http) => Actor.User(http.User.DiscordUserId()!.Value);

    private static async Task<Results<Accepted<PurgeStatusDto>, ProblemHttpResult>> RequestAsync(
        long guildId, PurgeScope scope, long? channelId, PurgeBody body, HttpContext http, RequestPurge purge, TimeProvider clock, CancellationToken ct)
    {
        if (ParseFilter(body.OlderThan, body.FailedOnly, out var filter) is { } bad)
        {
            return bad;
        }

        return await purge.RunAsync(Caller(http), guildId, scope, channelId, body.Confirm, ct, filter) switch
        {
            PurgeResult.Accepted a => TypedResults.Accepted($"/api/purges/{a.Run.Id}", ToDto(a.Run, clock.GetUtcNow())),
            var refused => PurgesApi.Problem(http, refused, clock.GetUtcNow()),
        };
    }

    /// <summary>A narrower purge's options as sent: a problem when the date cannot be read (what they mean is the use case's to check).</summary>
    private static ProblemHttpResult? ParseFilter(string? olderThan, bool? failedOnly, out PurgeFilter filter)
    {
        filter = PurgeFilter.Read(olderThan, failedOnly) ?? PurgeFilter.None;
        return filter.OlderThan is null && olderThan is not null
            ? ApiSetup.BadRequest("Invalid olderThan.", "Nothing was deleted. olderThan is a day written yyyy-MM-dd, such as 2026-01-01.")
            : null;
    }

    /// <summary>The scope of the preview and the clip list, from the query: a problem when it is not one.</summary>
    private static ProblemHttpResult? ParseScope(string? text, long? channelId, out PurgeScope scope) =>
        PurgesApi.TryParseScope(text, out scope) && PurgeScopes.IsWellFormed(scope, channelId)
            ? null
            : ApiSetup.BadRequest("Bad preview request.", "Use scope=channel with channelId, or scope=all_channels or scope=guild without it.");

    private static async Task<Results<Ok<PreviewDto>, ProblemHttpResult>> PreviewAsync(
        Snowflake guildId, string? scope, Snowflake? channelId, string? olderThan, bool? failedOnly, HttpContext http, PreviewPurge preview, TimeProvider clock, CancellationToken ct)
    {
        var badFilter = ParseFilter(olderThan, failedOnly, out var filter);
        if ((ParseScope(scope, channelId?.ToInt64(), out var parsed) ?? badFilter) is { } bad)
        {
            return bad;
        }

        return await preview.RunAsync(Caller(http), guildId.ToInt64(), parsed, channelId?.ToInt64(), ct, filter) switch
        {
            PurgeResult.Previewed p => TypedResults.Ok(new PreviewDto(p.Scope, p.ChannelId is { } c ? ApiSetup.Id(c) : null,
                p.Counts.Clips, p.Counts.Files, p.Counts.Bytes, p.Counts.ScanRuns, p.Counts.Members, p.Counts.Channels, p.CooldownUntil, p.Phrase,
                p.Filter.OlderThan, p.Filter.FailedOnly, p.Title)),
            var refused => PurgesApi.Problem(http, refused, clock.GetUtcNow()),
        };
    }

    private static async Task<Results<PushStreamHttpResult, ProblemHttpResult>> ClipListAsync(
        Snowflake guildId, string? scope, Snowflake? channelId, string? olderThan, bool? failedOnly, HttpContext http, ListPurgeClips list, TimeProvider clock, CancellationToken ct)
    {
        var badFilter = ParseFilter(olderThan, failedOnly, out var filter);
        if ((ParseScope(scope, channelId?.ToInt64(), out var parsed) ?? badFilter) is { } bad)
        {
            return bad;
        }

        return await list.RunAsync(Caller(http), guildId.ToInt64(), parsed, channelId?.ToInt64(), ct, filter) switch
        {
            PurgeResult.ClipList l => ClipCsv.Download(l.Rows, l.FileName, ct),
            var refused => PurgesApi.Problem(http, refused, clock.GetUtcNow()),
        };
    }

    private static async Task<Results<Ok<PurgeStatusDto>, ProblemHttpResult>> GetAsync(long id, HttpContext http, GuildAccess access, ClipSaverDbContext db, TimeProvider clock, CancellationToken ct)
    {
        var run = await db.PurgeRuns.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id, ct);
        // A member's deletion of their own clips is theirs to follow, whatever their rights in the guild.
        var userId = http.User.DiscordUserId()!.Value;
        if (run is null || (run.AuthorId != userId && await access.GetRoleAsync(run.GuildId, userId, ct) == GuildRole.None))
        {
            return ApiSetup.Unknown("purge");
        }

        return TypedResults.Ok(ToDto(run, clock.GetUtcNow()));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> CancelAsync(long id, HttpContext http, CancelPurge cancel, TimeProvider clock, CancellationToken ct) =>
        await cancel.RunAsync(Caller(http), id, guildId: null, ct) switch
        {
            PurgeResult.Cancelled => TypedResults.NoContent(),
            var refused => PurgesApi.Problem(http, refused, clock.GetUtcNow()),
        };

    private static async Task<Ok<List<PurgeStatusDto>>> ListAsync(long guildId, ClipSaverDbContext db, TimeProvider clock, CancellationToken ct)
    {
        var runs = await db.PurgeRuns.AsNoTracking().Where(p => p.GuildId == guildId).OrderByDescending(p => p.RequestedAt).Take(100).ToListAsync(ct);
        var now = clock.GetUtcNow();
        return TypedResults.Ok(runs.Select(r => ToDto(r, now)).ToList());
    }

    /// <summary>A run as the API shows it; its live progress as of the system clock (a member's just-requested deletions).</summary>
    internal static PurgeStatusDto ToDto(PurgeRun r) => ToDto(r, DateTimeOffset.UtcNow);

    internal static PurgeStatusDto ToDto(PurgeRun r, DateTimeOffset now) => new(
        ApiSetup.Id(r.Id), ApiSetup.Id(r.GuildId), r.Scope, r.ChannelId is { } c ? ApiSetup.Id(c) : null,
        r.Status, r.Step, r.RequestedAt, r.NotBefore, r.StartedAt, r.FinishedAt,
        PurgeReport.Parse(r.ProgressJson), r.Status == PurgeStatus.Completed ? PurgeReport.Parse(r.ReportJson) : null, r.Error, PurgePreview.Parse(r.PreviewJson),
        r.OlderThan, r.FailedOnly, PurgeLive.Of(r, now));

    // A purge use case's refusal over HTTP, one status code for each whether the danger zone (a sentence) or the API
    // (a ProblemDetails) answers; the Retry-After of a cooldown; the API's spelling of scopes.

    public static int StatusCode(PurgeResult refusal) => refusal switch
    {
        PurgeResult.NotFound => StatusCodes.Status404NotFound,
        PurgeResult.NotOwner => StatusCodes.Status403Forbidden,
        PurgeResult.WrongPhrase => StatusCodes.Status400BadRequest,
        PurgeResult.BadFilter => StatusCodes.Status422UnprocessableEntity,
        PurgeResult.CoolingDown => StatusCodes.Status429TooManyRequests,
        PurgeResult.Conflict or PurgeResult.TooLate => StatusCodes.Status409Conflict,
        _ => throw new ArgumentOutOfRangeException(nameof(refusal), refusal, "Not a refusal."),
    };

    /// <summary>Sets the status code of a refusal, and Retry-After for a cooldown (the API and the page alike).</summary>
    public static void Apply(HttpResponse response, PurgeResult refusal, DateTimeOffset now)
    {
        response.StatusCode = StatusCode(refusal);
        if (refusal is PurgeResult.CoolingDown c)
        {
            response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling((c.AllowedAt - now).TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }
    }

    /// <summary>The API's answer to a refusal; for a cooldown Retry-After is set on <paramref name="http"/>'s response.</summary>
    public static ProblemHttpResult Problem(HttpContext http, PurgeResult refusal, DateTimeOffset now)
    {
        Apply(http.Response, refusal, now);
        var status = StatusCode(refusal);
        return refusal switch
        {
            PurgeResult.NotFound n => ApiSetup.Unknown(n.What),
            PurgeResult.NotOwner => TypedResults.Problem(statusCode: status, title: "Only the server's owner can purge."),
            PurgeResult.BadFilter b => TypedResults.Problem(statusCode: status, title: "These purge options are not possible.", detail: $"Nothing was deleted. {b.Reason}"),
            PurgeResult.WrongPhrase w => TypedResults.Problem(statusCode: status, title: "Wrong confirmation phrase.", detail: $"Nothing was deleted. Send {{\"confirm\": \"{w.Expected}\"}} exactly (case-sensitive)."),
            PurgeResult.CoolingDown c => TypedResults.Problem(
                statusCode: status,
                title: "Purged less than 24 hours ago.",
                detail: $"Nothing was deleted. This scope may be purged again at {c.AllowedAt.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}.",
                extensions: new Dictionary<string, object?> { ["allowedAt"] = c.AllowedAt }),
            PurgeResult.Conflict c => TypedResults.Problem(statusCode: status, title: "Conflicting purge.", detail: c.Reason),
            _ => TypedResults.Problem(statusCode: status, title: "Too late to cancel.", detail: "This purge has already started or ended."),
        };
    }

    /// <summary>
    /// A scope as the API spells it: <c>channel</c>, <c>all_channels</c>, <c>guild</c>, as stored and as the API's JSON
    /// writes <see cref="PurgeScope"/> (docs/decisions/009-api.md). <c>all</c>, the API's first spelling, is still read.
    /// </summary>
    public static bool TryParseScope(string? text, out PurgeScope scope)
    {
        if (text == "all")
        {
            scope = PurgeScope.AllChannels;
            return true;
        }

        return SnakeCaseNames.TryParse(text, out scope);
    }
}

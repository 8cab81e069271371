using ClipSaver.Core.OwnData;
using static ClipSaver.Web.Apis.ApiSetup;

namespace ClipSaver.Web.Apis;

/// <summary>
/// A member's own data over REST (<c>/api/me</c>): the clips they posted, their deletion, the opt-out. Any signed-in
/// user or their token; no guild rights are needed or granted, and only the caller's own clips (by author id) exist
/// here (docs/decisions/018-members-own-data.md).
/// </summary>
public static class MeApi
{
    public sealed record GuildTotalsDto(string GuildId, string GuildName, long Clips, long Files, long Bytes, DateTimeOffset NewestPostedAt);

    public sealed record DeletionPreviewDto(IReadOnlyList<GuildTotalsDto> Guilds, long Clips, long Files, long Bytes, string ConfirmPhrase);

    public sealed record DeleteBody(string? Confirm, string? GuildId);

    public sealed record OptOutDto(bool OptOut, DateTimeOffset? Since, IReadOnlyList<PurgesApi.PurgeStatusDto> Deletions);

    /// <summary>An opt-out (or back in). <see cref="DeleteExisting"/> also deletes what is archived and needs <see cref="Confirm"/>: the caller's Discord username.</summary>
    public sealed record OptOutBody(bool? OptOut, bool DeleteExisting = false, string? Confirm = null);

    public static IEndpointRouteBuilder MapMeApi(this IEndpointRouteBuilder app)
    {
        var me = app.MapApiGroup().MapGroup("/me").WithTags("My clips");
        me.MapGet("/clips", ListClipsAsync).WithSummary("The caller's own clips in every guild (or one), newest first, with keyset paging; q finds a piece of the file name, in any case").ProducesProblems(400);
        me.MapGet("/clips/totals", TotalsAsync).WithSummary("The caller's own clips per guild: counts and bytes, the guild with the newest clip first");
        me.MapGet("/clips/{clipId}/file", FileAsync).WithSummary("The stored file of one of the caller's clips (range requests supported)")
            .Produces<Stream>(StatusCodes.Status200OK, "video/mp4", "video/webm", ReadClipFile.Fallback)
            .Produces<Stream>(StatusCodes.Status206PartialContent, "video/mp4", "video/webm", ReadClipFile.Fallback)
            .ProducesProblems(400, 404, 416);
        me.MapGet("/clips/{clipId}/thumbnail", ThumbnailAsync).WithSummary("The poster image of one of the caller's clips (JPEG, 320 × 180; ETag and 304 as for a guild's clip)")
            .Produces<Stream>(StatusCodes.Status200OK, ThumbnailMaker.ContentType)
            .Produces(StatusCodes.Status304NotModified)
            .ProducesProblems(400, 404);
        me.MapGet("/clips/purge/preview", PreviewAsync).WithSummary("What deleting the caller's clips (everywhere, or in one guild) would delete, and the phrase to type")
            .ProducesProblems(400, 404);
        me.MapPost("/clips/purge", DeleteAsync).WithSummary("Delete the caller's clips, everywhere or in one guild (confirm with the caller's Discord username)")
            .WithDescription("One run per guild, each after the undo window; Location names the first. Cancel with DELETE /api/purges/{id}, follow with GET /api/purges/{id}.")
            .ProducesProblems(400, 404, 409, 415);
        me.MapGet("/opt-out", GetOptOutAsync).WithSummary("Whether the caller asked not to be archived").ProducesProblems(404);
        me.MapPut("/opt-out", PutOptOutAsync).WithSummary("Opt out of archiving (optionally deleting what is archived), or opt back in")
            .ProducesProblems(400, 404, 415);
        return app;
    }

    private static Actor Me(HttpContext http) => Actor.User(http.User.DiscordUserId()!.Value);

    private static async Task<Results<Ok<GuildsApi.Page<GuildsApi.ClipDto>>, ValidationProblem, ProblemHttpResult>> ListClipsAsync(
        Snowflake? guildId, string? cursor, int? limit, string? q, HttpContext http, ListOwnClips own, CancellationToken ct)
    {
        if (limit is < 1 or > ListOwnClips.MaxLimit)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = [$"limit must be between 1 and {ListOwnClips.MaxLimit}."] }, title: "Bad limit.");
        }

        return await own.ListAsync(Me(http), guildId?.ToInt64(), cursor, limit ?? 50, q, ct) switch
        {
            OwnClipsResult.Listed l => TypedResults.Ok(new GuildsApi.Page<GuildsApi.ClipDto>([.. l.Clips.Select(GuildsApi.ToDto)], l.NextCursor)),
            OwnClipsResult.BadSearch b => TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["q"] = [b.Problem] }, title: ClipSearch.Title),
            _ => BadRequest(ClipCursor.Title, ClipCursor.Problem),
        };
    }

    private static async Task<Ok<List<GuildTotalsDto>>> TotalsAsync(HttpContext http, ListOwnClips own, CancellationToken ct) =>
        TypedResults.Ok((await own.TotalsAsync(Me(http), null, null, ct)).Select(ToDto).ToList());

    private static async Task<Results<FileStreamHttpResult, ProblemHttpResult>> FileAsync(long clipId, HttpContext http, ReadClipFile files, CancellationToken ct) =>
        await files.OpenOwnAsync(Me(http), clipId, ct) switch
        {
            ClipFileResult.Found f => TypedResults.Stream(f.Content, f.ContentType, f.FileName, enableRangeProcessing: true),
            _ => Unknown("clip file"),
        };

    private static async Task<Results<FileStreamHttpResult, StatusCodeHttpResult, ProblemHttpResult>> ThumbnailAsync(long clipId, HttpContext http, ReadClipFile files, CancellationToken ct) =>
        ThumbnailHttp.ToApiResult(await files.OpenOwnThumbnailAsync(Me(http), clipId, ThumbnailHttp.IfNoneMatch(http.Request), ct), http.Response, Unknown);

    private static async Task<Results<Ok<DeletionPreviewDto>, ProblemHttpResult>> PreviewAsync(Snowflake? guildId, HttpContext http, DeleteOwnClips delete, CancellationToken ct) =>
        await delete.PreviewAsync(Me(http), guildId?.ToInt64(), ct) switch
        {
            OwnDeletionResult.Previewed p => TypedResults.Ok(new DeletionPreviewDto([.. p.Guilds.Select(ToDto)], p.Guilds.Sum(g => g.Clips), p.Guilds.Sum(g => g.Files), p.Guilds.Sum(g => g.Bytes), p.Phrase)),
            _ => NoClips(),
        };

    private static async Task<Results<Accepted<List<PurgesApi.PurgeStatusDto>>, ProblemHttpResult>> DeleteAsync(DeleteBody body, HttpContext http, DeleteOwnClips delete, CancellationToken ct)
    {
        long? guildId = null;
        if (body.GuildId is not null)
        {
            if (!Snowflake.TryParse(body.GuildId, out var parsed) || parsed.ToInt64() < 0)
            {
                return BadRequest("Invalid guildId.", "guildId must be a Discord id (a number, as a string), or left out to delete your clips everywhere.");
            }

            guildId = parsed.ToInt64();
        }

        return await delete.RequestAsync(Me(http), guildId, body.Confirm, ct) switch
        {
            OwnDeletionResult.Accepted a => TypedResults.Accepted($"/api/purges/{a.Runs[0].Id}", a.Runs.Select(PurgesApi.ToDto).ToList()),
            OwnDeletionResult.WrongPhrase w => TypedResults.Problem(statusCode: 400, title: "Wrong confirmation phrase.",
                detail: $"Nothing was deleted. Send {{\"confirm\": \"{w.Expected}\"}}: your Discord username, exactly."),
            OwnDeletionResult.Conflict c => TypedResults.Problem(statusCode: 409, title: "Already deleting.", detail: c.Reason),
            _ => NoClips(),
        };
    }

    private static async Task<Results<Ok<OptOutDto>, ProblemHttpResult>> GetOptOutAsync(HttpContext http, ChangeOptOut optOut, CancellationToken ct) =>
        await optOut.GetAsync(Me(http), ct) is { } state ? TypedResults.Ok(new OptOutDto(state.OptOut, state.Since, [])) : Unknown("user");

    private static async Task<Results<Ok<OptOutDto>, ProblemHttpResult>> PutOptOutAsync(OptOutBody body, HttpContext http, ChangeOptOut optOut, CancellationToken ct)
    {
        if (body.OptOut is not { } value)
        {
            return BadRequest("Bad request body.", "Send {\"optOut\": true} or {\"optOut\": false}; add \"deleteExisting\": true and \"confirm\": your username to delete what is archived when opting out.");
        }

        return await optOut.SetAsync(Me(http), value, body.DeleteExisting, body.Confirm, ct) switch
        {
            OptOutResult.Changed c => TypedResults.Ok(new OptOutDto(c.State.OptOut, c.State.Since, [.. c.Deletions.Select(PurgesApi.ToDto)])),
            OptOutResult.Invalid i => BadRequest("Bad request body.", i.Reason),
            OptOutResult.WrongPhrase w => BadRequest(
                "Wrong confirmation phrase.",
                $"Nothing changed: you are not opted out and nothing was deleted. To delete your archived clips as you opt out, send {{\"confirm\": \"{w.Expected}\"}} too (exactly, case-sensitive), or send \"deleteExisting\": false."),
            _ => Unknown("user"),
        };
    }

    private static ProblemHttpResult NoClips() =>
        TypedResults.Problem(statusCode: 404, title: "No clips of yours.", detail: "ClipSaver has no clips you posted there: there is nothing to delete.", type: "https://www.rfc-editor.org/rfc/rfc9110#status.404");

    private static GuildTotalsDto ToDto(OwnGuildTotals t) => new(Id(t.GuildId), t.GuildName, t.Clips, t.Files, t.Bytes, t.NewestPostedAt);
}

using ClipSaver.Core.Exports;
using ClipSaver.Core.OwnData;

namespace ClipSaver.Web.Pages.MyClips;

/// <summary>
/// "My clips": what the signed-in user posted, in every guild ClipSaver archives, grouped by guild, with the player;
/// the opt-out switch; exports of their clips (progress, parts to download); the deletion of their clips (preview,
/// their username to confirm, the undo window, progress).
/// No guild rights are needed. Every action is a use case of Core's OwnData folder, the same the API calls.
/// </summary>
[Authorize]
public sealed class MyClipsModel(ClipSaverDbContext db, ListOwnClips own, TimeProvider clock) : PageModel
{
    /// <summary>Clips shown per guild on the page; a guild's own view pages through the rest.</summary>
    public const int PerGuild = 12;

    public sealed record GuildClips(OwnGuildTotals Totals, IReadOnlyList<ClipView> Clips, string? NextCursor);

    public sealed record ClipView(Clip Clip, string Channel);

    /// <summary>The guilds with clips shown (those with clips that match the search, when there is one).</summary>
    public IReadOnlyList<GuildClips> Guilds { get; private set; } = [];

    /// <summary>Every guild with clips of the user's, whatever the search: what the export and the deletion offer.</summary>
    public IReadOnlyList<OwnGuildTotals> Everything { get; private set; } = [];
    public OptOutState OptOut { get; private set; } = new(false, null);
    public IReadOnlyList<PurgeRun> Deletions { get; private set; } = [];
    public IReadOnlyList<ExportView> Exports { get; private set; } = [];
    public IReadOnlyDictionary<long, string> GuildNames { get; private set; } = new Dictionary<long, string>();
    public string Username { get; private set; } = "";
    public long? OnlyGuild { get; private set; }

    /// <summary>The search (a piece of the file name), as typed; <see cref="SearchError"/> says why it cannot be looked for.</summary>
    public string? Search { get; private set; }
    public string? SearchError { get; private set; }
    public DateTimeOffset Now { get; private set; }

    /// <summary>A sentence about the last action (refused, accepted, cancelled).</summary>
    public string? Message { get; private set; }
    public bool MessageIsError { get; private set; }

    private Actor Me => Actor.User(User.DiscordUserId()!.Value);

    public async Task<IActionResult> OnGetAsync(long? guild, string? after, string? q, CancellationToken cancellationToken)
    {
        if (after is not null && !ClipCursor.TryParse(after, out _))
        {
            return new ContentResult { StatusCode = StatusCodes.Status400BadRequest, Content = $"{ClipCursor.Title} {ClipCursor.Problem}", ContentType = "text/plain; charset=utf-8" };
        }

        Search = q;
        if (ClipSearch.Problem(q) is { } problem)
        {
            // The whole page, with the search and the sentence beside the box; no clips are listed.
            SearchError = problem;
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }

        await LoadAsync(guild, after, cancellationToken);
        return Page();
    }

    /// <summary>One of the user's own clips, with range requests (seeking in the player).</summary>
    public async Task<IActionResult> OnGetFileAsync(long clipId, bool download, [FromServices] ReadClipFile files, CancellationToken cancellationToken) =>
        await files.OpenOwnAsync(Me, clipId, cancellationToken) is ClipFileResult.Found file
            ? new FileStreamResult(file.Content, file.ContentType) { EnableRangeProcessing = true, FileDownloadName = download ? file.FileName : null }
            : NotFound();

    /// <summary>The poster of one of the member's own clips, cached like a guild's (decision 020).</summary>
    public async Task<IActionResult> OnGetThumbnailAsync(long clipId, [FromServices] ReadClipFile files, CancellationToken cancellationToken) =>
        ThumbnailHttp.ToActionResult(await files.OpenOwnThumbnailAsync(Me, clipId, ThumbnailHttp.IfNoneMatch(Request), cancellationToken), Response);

    public async Task<IActionResult> OnPostOptOutAsync(bool optOut, bool deleteExisting, string? confirm, [FromServices] ChangeOptOut change, CancellationToken cancellationToken)
    {
        var result = await change.SetAsync(Me, optOut, deleteExisting && optOut, confirm, cancellationToken);
        return await AnswerAsync(result switch
        {
            OptOutResult.Changed { State.OptOut: true, Deletions.Count: > 0 } => "You opted out. Your archived clips will be deleted when the countdown ends.",
            OptOutResult.Changed { State.OptOut: true } => "You opted out: ClipSaver no longer archives what you post.",
            OptOutResult.Changed => "You opted back in: ClipSaver archives what you post again.",
            OptOutResult.WrongPhrase => "Nothing changed: to delete your archived clips as you opt out, type your Discord username exactly.",
            _ => null,
        }, result switch
        {
            OptOutResult.Changed => StatusCodes.Status200OK,
            OptOutResult.WrongPhrase => StatusCodes.Status400BadRequest,
            _ => StatusCodes.Status404NotFound,
        }, cancellationToken);
    }

    public async Task<IActionResult> OnGetDeletePreviewAsync(long? guildId, [FromServices] DeleteOwnClips delete, CancellationToken cancellationToken)
    {
        Response.VaryOnHtmx();
        return await delete.PreviewAsync(Me, guildId, cancellationToken) switch
        {
            OwnDeletionResult.Previewed p => Partial("_DeletePreview", (p, guildId)),
            _ => NotFound(),
        };
    }

    public async Task<IActionResult> OnPostDeleteAsync(long? guildId, string? confirm, [FromServices] DeleteOwnClips delete, CancellationToken cancellationToken) =>
        await delete.RequestAsync(Me, guildId, confirm, cancellationToken) switch
        {
            OwnDeletionResult.Accepted a => await AnswerAsync($"Your clips in {a.Runs.Count} server(s) will be deleted when the countdown ends. You can still cancel.", 200, cancellationToken),
            OwnDeletionResult.WrongPhrase => await AnswerAsync("Nothing was deleted: type your Discord username exactly to confirm.", StatusCodes.Status400BadRequest, cancellationToken),
            OwnDeletionResult.Conflict c => await AnswerAsync(c.Reason, StatusCodes.Status409Conflict, cancellationToken),
            _ => await AnswerAsync("ClipSaver has no clips of yours there: nothing to delete.", StatusCodes.Status404NotFound, cancellationToken),
        };

    public async Task<IActionResult> OnPostCancelDeletionAsync(long runId, [FromServices] CancelPurge cancel, CancellationToken cancellationToken)
    {
        var result = await cancel.RunAsync(Me, runId, null, cancellationToken);
        return await AnswerAsync(result switch
        {
            PurgeResult.Cancelled => "Cancelled: nothing was deleted.",
            PurgeResult.TooLate => "Too late to cancel: the deletion has already started.",
            _ => "There is no such deletion of yours.",
        }, result is PurgeResult.Cancelled ? 200 : Apis.PurgesApi.StatusCode(result), cancellationToken);
    }

    public async Task<IActionResult> OnPostExportAsync(long? guildId, [FromServices] RequestExport request, CancellationToken cancellationToken) =>
        await request.MineAsync(Me, guildId, cancellationToken) switch
        {
            ExportResult.Accepted => await AnswerAsync("Your export is being built; its parts appear below when they are ready.", StatusCodes.Status202Accepted, cancellationToken),
            ExportResult.Busy => await AnswerAsync("An export of yours is still being built: one at a time.", StatusCodes.Status409Conflict, cancellationToken),
            _ => await AnswerAsync("Nothing to export there.", StatusCodes.Status404NotFound, cancellationToken),
        };

    /// <summary>Deletes one of the user's exports (a member's or, from the danger zone, an owner's).</summary>
    public async Task<IActionResult> OnPostDeleteExportAsync(long exportId, [FromServices] DeleteExport delete, CancellationToken cancellationToken) =>
        await delete.RunAsync(Me, exportId, cancellationToken) is ExportResult.Deleted
            ? await AnswerAsync("Export deleted.", StatusCodes.Status200OK, cancellationToken)
            : await AnswerAsync("There is no such export of yours.", StatusCodes.Status404NotFound, cancellationToken);

    /// <summary>One export's status; htmx polls it while it is being built (here and in the danger zone).</summary>
    public async Task<IActionResult> OnGetExportProgressAsync(long exportId, CancellationToken cancellationToken)
    {
        Response.VaryOnHtmx();
        return await ExportView.LoadAsync(db, User.DiscordUserId()!.Value, q => q.Where(x => x.Id == exportId), 1, cancellationToken) is [var view]
            ? Partial("_ExportStatus", view)
            : NotFound();
    }

    private async Task<IActionResult> AnswerAsync(string? message, int status, CancellationToken cancellationToken)
    {
        Message = message;
        MessageIsError = status >= 400;
        Response.StatusCode = status;
        await LoadAsync(null, null, cancellationToken);
        return Page();
    }

    private async Task LoadAsync(long? onlyGuild, string? after, CancellationToken cancellationToken)
    {
        var userId = User.DiscordUserId()!.Value;
        Now = clock.GetUtcNow();
        OnlyGuild = onlyGuild;
        Username = await db.Users.Where(u => u.Id == userId).Select(u => u.Username).FirstOrDefaultAsync(cancellationToken) ?? "";
        var optedOutAt = await db.Users.Where(u => u.Id == userId).Select(u => u.OptedOutAt).FirstOrDefaultAsync(cancellationToken);
        OptOut = new OptOutState(optedOutAt is not null, optedOutAt);
        Deletions = await db.PurgeRuns.AsNoTracking().Where(p => p.AuthorId == userId && p.Scope == PurgeScope.Author)
            .OrderByDescending(p => p.RequestedAt).Take(10).ToListAsync(cancellationToken);
        var deletionGuilds = Deletions.Select(d => d.GuildId).Distinct().ToList();
        GuildNames = await db.Guilds.AsNoTracking().Where(g => deletionGuilds.Contains(g.Id)).ToDictionaryAsync(g => g.Id, g => g.Name, cancellationToken);

        Exports = await ExportView.LoadAsync(db, userId, q => q.Where(x => !x.IsGuildExport), 5, cancellationToken);
        var guilds = new List<GuildClips>();
        Everything = await own.TotalsAsync(Me, onlyGuild, null, cancellationToken);
        var shown = ClipSearch.Normalize(Search) is null ? Everything : await own.TotalsAsync(Me, onlyGuild, Search, cancellationToken);
        foreach (var totals in shown)
        {
            var listed = (OwnClipsResult.Listed)await own.ListAsync(Me, totals.GuildId, onlyGuild is null ? null : after, onlyGuild is null ? PerGuild : 48, Search, cancellationToken);
            var channelIds = listed.Clips.Select(c => c.ChannelId).Distinct().ToList();
            var channels = await db.Channels.AsNoTracking().Where(c => channelIds.Contains(c.Id)).ToDictionaryAsync(c => c.Id, c => c.Name, cancellationToken);
            guilds.Add(new GuildClips(totals, [.. listed.Clips.Select(c => new ClipView(c, channels.GetValueOrDefault(c.ChannelId) ?? Display.UnknownChannel))], listed.NextCursor));
        }

        Guilds = guilds;
    }
}

using ClipSaver.Web.Apis;

namespace ClipSaver.Web.Pages.Guilds;

/// <summary>
/// The danger zone: previews, type-to-confirm purges at three levels, the undo countdown, progress and reports.
/// Shown inside the settings page (htmx) and on its own. Every action is a use case of Core's Purging folder, the same
/// the API calls, which checks the owner itself; this page binds the form, calls it, and turns its answer into a
/// sentence with the status code the API would give (<see cref="Apis.PurgesApi.StatusCode"/>).
/// </summary>
[Authorize]
public sealed class DangerZoneModel(ClipSaverDbContext db, GuildContext context, TimeProvider clock) : PageModel
{
    public sealed record ChannelChoice(long Id, string Name, long Clips, DateTimeOffset? CooldownUntil);

    /// <param name="Banner">Set on the refresh that sees a whole-server purge finished: the removed-server banner, shown without a reload.</param>
    public sealed record RunView(PurgeRun Run, string? ChannelName, PurgeReport Progress, DateTimeOffset Now, bool Focus = false, GuildHeader? Banner = null)
    {
        public bool IsActive => Run.Status is PurgeStatus.Scheduled or PurgeStatus.Running;
        public bool CanCancel => Run.Status == PurgeStatus.Scheduled && Run.NotBefore > Now;
        public int SecondsToStart => (int)Math.Max(0, Math.Ceiling((Run.NotBefore - Now).TotalSeconds));
        public string Title => PurgeScopes.Describe(Run.Scope, ChannelName, PurgeFilter.Of(Run));
        public PurgeLive Live => PurgeLive.Of(Run, Now);
    }

    public GuildHeader Guild { get; private set; } = null!;
    public IReadOnlyList<ChannelChoice> Channels { get; private set; } = [];
    public DateTimeOffset? AllChannelsCooldownUntil { get; private set; }
    public IReadOnlyList<RunView> Runs { get; private set; } = [];

    /// <summary>The owner's latest exports of this guild (<c>_ExportStatus</c>).</summary>
    public IReadOnlyList<MyClips.ExportView> Exports { get; private set; } = [];
    public DateTimeOffset Now { get; private set; }

    /// <summary>A sentence about the last action (refused, accepted, cancelled).</summary>
    public string? Message { get; private set; }
    public bool MessageIsError { get; private set; }

    /// <summary>After a wrong phrase: the preview shown again, with the sentence next to the box.</summary>
    public PurgeResult.Previewed? KeptPreview { get; private set; }
    public string? PhraseError { get; private set; }

    /// <summary>The run just scheduled: its Cancel button takes the keyboard focus.</summary>
    private long? _focusRunId;

    private Actor Caller => Actor.User(User.DiscordUserId()!.Value);

    public async Task<IActionResult> OnGetAsync(long guildId, CancellationToken cancellationToken)
    {
        if (await context.LoadAsync(guildId, User, cancellationToken) is not { } guild)
        {
            return NotFound();
        }

        await LoadAsync(guild, cancellationToken);
        return Zone();
    }

    /// <param name="what">The block's choice: <c>all</c> (or none), <c>older</c> (with <paramref name="olderThan"/>), <c>failed</c>.</param>
    /// <param name="stay">Asked by a change of the options: the keyboard stays where it is.</param>
    public async Task<IActionResult> OnGetPreviewAsync(
        long guildId, PurgeScope? scope, long? channelId, string? what, string? olderThan, bool stay, [FromServices] PreviewPurge preview, CancellationToken cancellationToken)
    {
        Response.VaryOnHtmx();
        if (ModelState.IsValid && ((scope == PurgeScope.Channel && channelId is null) || (what == "older" && string.IsNullOrEmpty(olderThan))))
        {
            // "Choose a channel…", or "older than" before a day is chosen.
            return PromptPreview(channelId is null && scope == PurgeScope.Channel ? "Choose a channel to see what would be deleted." : "Choose a day to see which clips would be deleted.");
        }

        if (!IsScope(scope, channelId) || PurgeFilter.Read(what == "older" ? olderThan : null, what == "failed") is not { } filter)
        {
            return BadRequest();
        }

        return await preview.RunAsync(Caller, guildId, scope.Value, channelId, cancellationToken, filter) switch
        {
            PurgeResult.Previewed p => await PreviewWithExportAsync(p, stay, cancellationToken),
            PurgeResult.NotFound { What: PurgeResult.NotFound.Channel } => Refused(Partial("_PurgePreview", (PurgeResult.Previewed?)null), StatusCodes.Status404NotFound),
            PurgeResult.BadFilter bad => Refused(PromptPreview(bad.Reason), StatusCodes.Status422UnprocessableEntity),
            var refused => StatusCode(PurgesApi.StatusCode(refused)),
        };
    }

    private PartialViewResult PromptPreview(string prompt)
    {
        var partial = Partial("_PurgePreview", (PurgeResult.Previewed?)null);
        partial.ViewData["Prompt"] = prompt;
        return partial;
    }

    /// <param name="what">The kind of purge, as the preview's form says it: <c>all</c>, <c>older</c> or <c>failed</c> (<see cref="PurgeForm.ReadKind"/>).</param>
    public async Task<IActionResult> OnPostPurgeAsync(
        long guildId, PurgeScope? scope, long? channelId, string? confirm, string? what, string? olderThan, bool? failedOnly,
        [FromServices] RequestPurge purge, [FromServices] PreviewPurge preview, CancellationToken cancellationToken)
    {
        if (await context.LoadAsync(guildId, User, cancellationToken) is not { } guild)
        {
            return NotFound();
        }

        // A form that is not one the danger zone sends (a field missing or garbled) changes nothing.
        string? why = null;
        if (!IsScope(scope, channelId) || PurgeForm.ReadKind(Request.Form, what, olderThan, failedOnly, out why) is not { } filter)
        {
            return await RefuseAsync(guild, cancellationToken, why);
        }

        var result = await purge.RunAsync(Caller, guildId, scope.Value, channelId, confirm, cancellationToken, filter);
        if (result is PurgeResult.WrongPhrase && await preview.RunAsync(Caller, guildId, scope.Value, channelId, cancellationToken, filter) is PurgeResult.Previewed kept)
        {
            (KeptPreview, PhraseError) = (kept, Sentence(result));
        }

        _focusRunId = (result as PurgeResult.Accepted)?.Run.Id;
        return await ShowAsync(guild, result, cancellationToken);
    }

    public async Task<IActionResult> OnPostCancelAsync(long guildId, long? runId, [FromServices] CancelPurge cancel, CancellationToken cancellationToken)
    {
        if (await context.LoadAsync(guildId, User, cancellationToken) is not { } guild)
        {
            return NotFound();
        }

        if (!ModelState.IsValid || runId is null)
        {
            return await RefuseAsync(guild, cancellationToken);
        }

        return await ShowAsync(guild, await cancel.RunAsync(Caller, runId.Value, guildId, cancellationToken), cancellationToken);
    }

    /// <summary>"Export the archive" (the whole guild, or a channel with its threads), the owner's alone like a purge.</summary>
    public async Task<IActionResult> OnPostExportAsync(long guildId, long? channelId, [FromServices] ClipSaver.Core.Exports.RequestExport request, CancellationToken cancellationToken)
    {
        if (await context.LoadAsync(guildId, User, cancellationToken) is not { } guild)
        {
            return NotFound();
        }

        var result = await request.GuildAsync(Caller, guildId, channelId, cancellationToken);
        (Message, MessageIsError, Response.StatusCode) = result switch
        {
            ClipSaver.Core.Exports.ExportResult.Accepted => ("The export is being built; its parts appear here and on “My clips” when ready.", false, StatusCodes.Status202Accepted),
            ClipSaver.Core.Exports.ExportResult.Busy => ("An export of yours is still being built: one at a time.", true, StatusCodes.Status409Conflict),
            ClipSaver.Core.Exports.ExportResult.NotOwner => ("Only the server's owner can export the archive.", true, StatusCodes.Status403Forbidden),
            _ => ("Nothing was exported: that channel does not exist.", true, StatusCodes.Status404NotFound),
        };
        await LoadAsync(guild, cancellationToken);
        return Zone();
    }

    /// <summary>One run's progress; htmx polls it while the run is scheduled or running.</summary>
    public async Task<IActionResult> OnGetProgressAsync(long guildId, long runId, CancellationToken cancellationToken)
    {
        if (await context.LoadAsync(guildId, User, cancellationToken) is not { } guild)
        {
            return NotFound();
        }

        var view = await RunViewAsync(guildId, runId, cancellationToken);
        Response.VaryOnHtmx();
        if (view is { Run: { Scope: PurgeScope.Guild, Status: PurgeStatus.Completed } } && guild.IsDeleted)
        {
            view = view with { Banner = guild };
        }

        return view is null ? NotFound() : Partial("_PurgeProgress", view);
    }

    /// <summary>
    /// The clip list of a scope as CSV, so nobody purges blind; for the owner, like the preview it is linked from.
    /// Reached at <c>danger-zone/cliplist</c>: the page's <c>{handler?}</c> segment names the handler.
    /// </summary>
    public async Task<IActionResult> OnGetClipListAsync(
        long guildId, PurgeScope? scope, long? channelId, string? olderThan, bool? failedOnly, [FromServices] ListPurgeClips list, CancellationToken cancellationToken)
    {
        // An empty olderThan= binds as no day; it must not list the whole scope under an older purge's name.
        var emptyDay = Request.Query.ContainsKey("olderThan") && string.IsNullOrWhiteSpace(olderThan);
        if (!IsScope(scope, channelId) || emptyDay || PurgeFilter.Read(olderThan, failedOnly) is not { } filter)
        {
            return BadRequest();
        }

        var result = await list.RunAsync(Caller, guildId, scope.Value, channelId, cancellationToken, filter);
        if (result is not PurgeResult.ClipList clips)
        {
            return StatusCode(PurgesApi.StatusCode(result));
        }

        await ClipCsv.Download(clips.Rows, clips.FileName, cancellationToken).ExecuteAsync(HttpContext);
        return new EmptyResult();
    }

    /// <summary>Any other form posted here: a 400 that names the problem, and nothing changed.</summary>
    public async Task<IActionResult> OnPostAsync(long guildId, CancellationToken cancellationToken) =>
        await context.LoadAsync(guildId, User, cancellationToken) is { } guild ? await RefuseAsync(guild, cancellationToken) : NotFound();

    /// <summary>The danger zone again, with a 400 and a sentence saying that nothing was deleted.</summary>
    private async Task<IActionResult> RefuseAsync(GuildHeader guild, CancellationToken cancellationToken, string? why = null)
    {
        (Message, MessageIsError) = (why ?? "Nothing was deleted: the form was incomplete or not understood. Reload the page and try again.", true);
        await LoadAsync(guild, cancellationToken);
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Zone();
    }

    /// <summary>A scope from a well-formed request: a known scope, and a channel exactly when the scope is a channel.</summary>
    private bool IsScope([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] PurgeScope? scope, long? channelId) =>
        ModelState.IsValid && scope is { } s && PurgeScopes.IsWellFormed(s, channelId);

    /// <summary>
    /// The danger zone again, with a sentence about a use case's answer and, for a refusal, the API's status code (and
    /// Retry-After). A guild the user may not see (any more, as Discord says now) is a plain 404.
    /// </summary>
    private async Task<IActionResult> ShowAsync(GuildHeader guild, PurgeResult result, CancellationToken cancellationToken)
    {
        if (result is PurgeResult.NotFound { What: PurgeResult.NotFound.Guild })
        {
            return NotFound();
        }

        // An accepted purge speaks for itself in its countdown; a wrong phrase is said next to the kept preview.
        (Message, MessageIsError) = result is PurgeResult.Accepted || PhraseError is not null ? (null, false) : (Sentence(result), result.IsRefusal);
        if (result.IsRefusal)
        {
            PurgesApi.Apply(Response, result, clock.GetUtcNow());
        }

        // The use case may just have read the user's role from Discord: the header shows the fresh one.
        await LoadAsync(await context.LoadAsync(guild.Id, User, cancellationToken) ?? guild, cancellationToken);
        return Zone();
    }

    private static string Sentence(PurgeResult result) => result switch
    {
        PurgeResult.Accepted a => $"{a.Title} scheduled. It starts at {a.Run.NotBefore:HH:mm:ss} UTC.",
        PurgeResult.Cancelled => "Purge cancelled. Nothing was deleted, and its cooldown was given back.",
        PurgeResult.WrongPhrase w => $"Nothing was deleted: type exactly “{w.Expected}” to confirm.",
        PurgeResult.BadFilter b => $"Nothing was deleted: {b.Reason}",
        PurgeResult.CoolingDown c => $"Nothing was deleted: this was purged less than 24 hours ago. The next purge is allowed at {c.AllowedAt:d MMM yyyy HH:mm} UTC.",
        PurgeResult.Conflict c => $"Nothing was deleted: {c.Reason}",
        PurgeResult.NotFound n => $"Nothing was deleted: that {n.What} does not exist.",
        PurgeResult.NotOwner => "Nothing was deleted: only the server's owner can delete archived data.",
        PurgeResult.TooLate => "This purge has already started or ended; it can no longer be cancelled.",
        _ => throw new InvalidOperationException("Unknown purge result."),
    };

    /// <summary>The preview, offering "export first" when no export of the scope is newer than its newest clip.</summary>
    private async Task<IActionResult> PreviewWithExportAsync(PurgeResult.Previewed preview, bool stay, CancellationToken cancellationToken)
    {
        var partial = Partial("_PurgePreview", preview);
        partial.ViewData["Stay"] = stay;
        partial.ViewData["ExportFirst"] = !await ClipSaver.Core.Exports.ExportFreshness.HasFreshExportAsync(
            db, User.DiscordUserId()!.Value, preview.GuildId, preview.ChannelId, clock.GetUtcNow(), cancellationToken);
        return partial;
    }

    private IActionResult Refused(IActionResult result, int statusCode)
    {
        Response.StatusCode = statusCode;
        return result;
    }

    private IActionResult Zone()
    {
        Response.VaryOnHtmx();
        return Request.WantsFragment() ? Partial("_DangerZone", this) : Page();
    }

    private async Task LoadAsync(GuildHeader guild, CancellationToken cancellationToken)
    {
        Guild = guild;
        Now = clock.GetUtcNow();
        Channels = await db.Channels.AsNoTracking().Where(c => c.GuildId == guild.Id && c.DeletedAt == null && c.Type != ClipSaver.Core.Discord.DiscordChannelTypes.GuildCategory)
            .OrderBy(c => c.Name)
            .Select(c => new ChannelChoice(c.Id, c.Name, c.ClipCount, c.PurgeCooldownUntil))
            .ToListAsync(cancellationToken);
        AllChannelsCooldownUntil = await db.Guilds.Where(g => g.Id == guild.Id).Select(g => g.AllChannelsPurgeCooldownUntil).FirstAsync(cancellationToken);
        // A member's deletion of their own clips is theirs (on /me); the owner sees its audit event on the overview.
        var runs = await db.PurgeRuns.AsNoTracking().Where(p => p.GuildId == guild.Id && p.Scope != PurgeScope.Author)
            .OrderByDescending(p => p.RequestedAt).Take(5)
            .Select(p => new { Run = p, Channel = db.Channels.Where(c => c.Id == p.ChannelId).Select(c => c.Name).FirstOrDefault() })
            .ToListAsync(cancellationToken);
        Runs = [.. runs.Select(r => new RunView(r.Run, r.Channel, PurgeReport.Parse(r.Run.ReportJson ?? r.Run.ProgressJson), Now, r.Run.Id == _focusRunId))];
        Exports = await MyClips.ExportView.LoadAsync(db, User.DiscordUserId()!.Value, q => q.Where(x => x.IsGuildExport && x.GuildId == guild.Id), 2, cancellationToken);
    }

    private async Task<RunView?> RunViewAsync(long guildId, long runId, CancellationToken cancellationToken)
    {
        var row = await db.PurgeRuns.AsNoTracking().Where(p => p.Id == runId && p.GuildId == guildId && p.Scope != PurgeScope.Author)
            .Select(p => new { Run = p, Channel = db.Channels.Where(c => c.Id == p.ChannelId).Select(c => c.Name).FirstOrDefault() })
            .FirstOrDefaultAsync(cancellationToken);
        return row is null ? null : new RunView(row.Run, row.Channel, PurgeReport.Parse(row.Run.ReportJson ?? row.Run.ProgressJson), clock.GetUtcNow());
    }
}

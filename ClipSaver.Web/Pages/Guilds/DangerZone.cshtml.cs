using System.Globalization;
using ClipSaver.Core.Access;
using ClipSaver.Core.Data;
using ClipSaver.Core.Purging;
using ClipSaver.Web.Auth;
using ClipSaver.Web.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace ClipSaver.Web.Pages.Guilds;

/// <summary>
/// The danger zone: previews, type-to-confirm purges at three levels, the undo countdown, progress and reports.
/// Shown inside the settings page (htmx) and on its own. Purges go through <see cref="PurgeRequests"/>, the same
/// service the API uses, after a live owner check with Discord.
/// </summary>
[Authorize]
public sealed class DangerZoneModel(ClipSaverDbContext db, GuildContext context, GuildAccess access, PurgeRequests purges, TimeProvider clock) : PageModel
{
    public sealed record ChannelChoice(long Id, string Name, long Clips, DateTimeOffset? CooldownUntil);

    public sealed record RunView(PurgeRun Run, string? ChannelName, PurgeReport Progress, DateTimeOffset Now)
    {
        public bool IsActive => Run.Status is PurgeStatus.Scheduled or PurgeStatus.Running;
        public bool CanCancel => Run.Status == PurgeStatus.Scheduled && Run.NotBefore > Now;
        public int SecondsToStart => (int)Math.Max(0, Math.Ceiling((Run.NotBefore - Now).TotalSeconds));
        public string Title => PurgeRequests.Describe(Run.Scope, ChannelName);
    }

    public sealed record PreviewView(PurgeScope Scope, long? ChannelId, string? ChannelName, PurgePreview Counts, DateTimeOffset? CooldownUntil, string Phrase, long GuildId);

    public GuildHeader Guild { get; private set; } = null!;
    public IReadOnlyList<ChannelChoice> Channels { get; private set; } = [];
    public DateTimeOffset? AllChannelsCooldownUntil { get; private set; }
    public IReadOnlyList<RunView> Runs { get; private set; } = [];
    public DateTimeOffset Now { get; private set; }

    /// <summary>A sentence about the last action (refused, accepted, cancelled).</summary>
    public string? Message { get; private set; }
    public bool MessageIsError { get; private set; }

    public async Task<IActionResult> OnGetAsync(long guildId, CancellationToken cancellationToken)
    {
        if (await context.LoadAsync(guildId, User, cancellationToken) is not { } guild)
        {
            return NotFound();
        }

        await LoadAsync(guild, cancellationToken);
        return Zone();
    }

    public async Task<IActionResult> OnGetPreviewAsync(long guildId, PurgeScope? scope, long? channelId, CancellationToken cancellationToken)
    {
        if (await context.LoadAsync(guildId, User, cancellationToken) is not { IsOwner: true })
        {
            return NotFound();
        }

        if (!IsScope(scope, channelId, channelOptional: true))
        {
            return BadRequest();
        }

        string? name = null;
        DateTimeOffset? cooldown = null;
        if (scope == PurgeScope.Channel)
        {
            var channel = await db.Channels.AsNoTracking().Where(c => c.Id == channelId && c.GuildId == guildId)
                .Select(c => new { c.Name, c.PurgeCooldownUntil }).FirstOrDefaultAsync(cancellationToken);
            if (channel is null)
            {
                return Partial("_PurgePreview", (PreviewView?)null);
            }

            (name, cooldown) = (channel.Name, channel.PurgeCooldownUntil);
        }
        else if (scope == PurgeScope.AllChannels)
        {
            cooldown = await db.Guilds.Where(g => g.Id == guildId).Select(g => g.AllChannelsPurgeCooldownUntil).FirstAsync(cancellationToken);
        }

        var counts = await PurgePreview.CountAsync(db, guildId, scope.Value, channelId, cancellationToken);
        var now = clock.GetUtcNow();
        Response.VaryOnHtmx();
        return Partial("_PurgePreview", new PreviewView(scope.Value, channelId, name, counts, cooldown > now ? cooldown : null, PurgePhrases.For(scope.Value, name), guildId));
    }

    public async Task<IActionResult> OnPostPurgeAsync(long guildId, PurgeScope? scope, long? channelId, string? confirm, CancellationToken cancellationToken)
    {
        if (await context.LoadAsync(guildId, User, cancellationToken) is not { } guild)
        {
            return NotFound();
        }

        // A form that is not one the danger zone sends (a field missing or garbled) changes nothing.
        if (!IsScope(scope, channelId, channelOptional: false))
        {
            return await RefuseAsync(guild, cancellationToken);
        }

        // Purges are the owner's alone, checked live with Discord, whatever the cache says.
        var userId = User.DiscordUserId()!.Value;
        if (await access.GetLiveRoleAsync(guildId, userId, cancellationToken) != GuildRole.Owner)
        {
            return StatusCode(StatusCodes.Status403Forbidden);
        }

        var result = await purges.RequestAsync(guildId, scope.Value, channelId, confirm, userId, cancellationToken);
        var channelName = scope == PurgeScope.Channel ? await db.Channels.Where(c => c.Id == channelId && c.GuildId == guildId).Select(c => c.Name).FirstOrDefaultAsync(cancellationToken) : null;
        (Message, MessageIsError, var status) = result switch
        {
            PurgeRequestResult.Accepted a => ($"{PurgeRequests.Describe(scope.Value, channelName)} scheduled. It starts at {a.Run.NotBefore:HH:mm:ss} UTC; you can still cancel it until then.", false, StatusCodes.Status200OK),
            PurgeRequestResult.WrongPhrase w => ($"Nothing was deleted: type exactly “{w.Expected}” to confirm.", true, StatusCodes.Status400BadRequest),
            PurgeRequestResult.CoolingDown c => ($"Nothing was deleted: this was purged less than 24 hours ago. The next purge is allowed at {c.AllowedAt:d MMM yyyy HH:mm} UTC.", true, StatusCodes.Status429TooManyRequests),
            PurgeRequestResult.Conflict c => ($"Nothing was deleted: {c.Reason}", true, StatusCodes.Status409Conflict),
            PurgeRequestResult.NotFound n => ($"Nothing was deleted: that {n.What} does not exist.", true, StatusCodes.Status404NotFound),
            _ => throw new InvalidOperationException("Unknown purge result."),
        };
        if (result is PurgeRequestResult.CoolingDown cd)
        {
            Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling((cd.AllowedAt - clock.GetUtcNow()).TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }

        await LoadAsync(await context.LoadAsync(guildId, User, cancellationToken) ?? guild, cancellationToken);
        Response.StatusCode = status;
        return Zone();
    }

    public async Task<IActionResult> OnPostCancelAsync(long guildId, long? runId, CancellationToken cancellationToken)
    {
        if (await context.LoadAsync(guildId, User, cancellationToken) is not { } guild)
        {
            return NotFound();
        }

        if (!ModelState.IsValid || runId is null)
        {
            return await RefuseAsync(guild, cancellationToken);
        }

        var userId = User.DiscordUserId()!.Value;
        if (await access.GetLiveRoleAsync(guildId, userId, cancellationToken) != GuildRole.Owner)
        {
            return StatusCode(StatusCodes.Status403Forbidden);
        }

        var cancelled = await purges.CancelAsync(guildId, runId.Value, userId, cancellationToken);
        (Message, MessageIsError) = cancelled
            ? ("Purge cancelled. Nothing was deleted, and its cooldown was given back.", false)
            : ("This purge has already started or ended; it can no longer be cancelled.", true);
        await LoadAsync(guild, cancellationToken);
        Response.StatusCode = cancelled ? StatusCodes.Status200OK : StatusCodes.Status409Conflict;
        return Zone();
    }

    /// <summary>One run's progress; htmx polls it while the run is scheduled or running.</summary>
    public async Task<IActionResult> OnGetProgressAsync(long guildId, long runId, CancellationToken cancellationToken)
    {
        if (await context.LoadAsync(guildId, User, cancellationToken) is null)
        {
            return NotFound();
        }

        var view = await RunViewAsync(guildId, runId, cancellationToken);
        Response.VaryOnHtmx();
        return view is null ? NotFound() : Partial("_PurgeProgress", view);
    }

    /// <summary>
    /// The clip list of a scope as CSV, so nobody purges blind; for the owner, like the preview it is linked from.
    /// Reached at <c>danger-zone/cliplist</c>: the page's <c>{handler?}</c> segment names the handler.
    /// </summary>
    public async Task<IActionResult> OnGetClipListAsync(long guildId, PurgeScope? scope, long? channelId, CancellationToken cancellationToken)
    {
        if (await context.LoadAsync(guildId, User, cancellationToken) is not { IsOwner: true })
        {
            return NotFound();
        }

        if (!IsScope(scope, channelId, channelOptional: false))
        {
            return BadRequest();
        }

        if (scope == PurgeScope.Channel && !await db.Channels.AnyAsync(c => c.Id == channelId && c.GuildId == guildId, cancellationToken))
        {
            return NotFound();
        }

        Response.Headers.ContentDisposition = new Microsoft.Net.Http.Headers.ContentDispositionHeaderValue("attachment") { FileName = ClipCsv.FileName(guildId, scope!.Value, channelId) }.ToString();
        Response.ContentType = ClipCsv.ContentType;
        await ClipCsv.WriteAsync(Response.Body, ClipCsv.ForPurgeScope(db, guildId, scope.Value, channelId), cancellationToken);
        return new EmptyResult();
    }

    /// <summary>Any other form posted here: a 400 that names the problem, and nothing changed.</summary>
    public async Task<IActionResult> OnPostAsync(long guildId, CancellationToken cancellationToken) =>
        await context.LoadAsync(guildId, User, cancellationToken) is { } guild ? await RefuseAsync(guild, cancellationToken) : NotFound();

    /// <summary>The danger zone again, with a 400 and a sentence saying that nothing was deleted.</summary>
    private async Task<IActionResult> RefuseAsync(GuildHeader guild, CancellationToken cancellationToken)
    {
        (Message, MessageIsError) = ("Nothing was deleted: the form was incomplete or not understood. Reload the page and try again.", true);
        await LoadAsync(guild, cancellationToken);
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Zone();
    }

    /// <summary>A scope from a well-formed request: a known scope, and a channel exactly when the scope is a channel.</summary>
    private bool IsScope([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] PurgeScope? scope, long? channelId, bool channelOptional) =>
        ModelState.IsValid && scope is { } s && Enum.IsDefined(s) && (s == PurgeScope.Channel ? channelId.HasValue || channelOptional : channelId is null);

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
        var runs = await db.PurgeRuns.AsNoTracking().Where(p => p.GuildId == guild.Id)
            .OrderByDescending(p => p.RequestedAt).Take(5)
            .Select(p => new { Run = p, Channel = db.Channels.Where(c => c.Id == p.ChannelId).Select(c => c.Name).FirstOrDefault() })
            .ToListAsync(cancellationToken);
        Runs = [.. runs.Select(r => new RunView(r.Run, r.Channel, PurgeReport.Parse(r.Run.ReportJson ?? r.Run.ProgressJson), Now))];
    }

    private async Task<RunView?> RunViewAsync(long guildId, long runId, CancellationToken cancellationToken)
    {
        var row = await db.PurgeRuns.AsNoTracking().Where(p => p.Id == runId && p.GuildId == guildId)
            .Select(p => new { Run = p, Channel = db.Channels.Where(c => c.Id == p.ChannelId).Select(c => c.Name).FirstOrDefault() })
            .FirstOrDefaultAsync(cancellationToken);
        return row is null ? null : new RunView(row.Run, row.Channel, PurgeReport.Parse(row.Run.ReportJson ?? row.Run.ProgressJson), clock.GetUtcNow());
    }
}

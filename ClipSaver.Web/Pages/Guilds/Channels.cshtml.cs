namespace ClipSaver.Web.Pages.Guilds;

/// <summary>The guild's channels grouped by category, with the archive switch, "Scan now" and "Stop scan" (htmx, one row at a time).</summary>
[Authorize]
public sealed class ChannelsModel(ClipSaverDbContext db, GuildContext context, ChannelArchiving archiving, ScanNow scanNow, StopScans stopScans, IBackgroundJobClient jobs) : PageModel
{
    public sealed record Row(long Id, string Name, int Type, long? ParentId, int Position, bool Nsfw, bool IsThread, bool IsReading, long Clips, long Bytes,
        DateTimeOffset? LastScanAt, DateTimeOffset? DeletedAt, ScanStatus? ScanStatus, long ScanMessages, long ScanClips, bool StopRequested, string? ScanError)
    {
        public bool Scanning => ScanStatus is Core.Data.ScanStatus.Queued or Core.Data.ScanStatus.Running;

        public string TypeLabel => Type switch
        {
            DiscordChannelTypes.GuildAnnouncement => "announcements",
            DiscordChannelTypes.GuildForum => "forum",
            DiscordChannelTypes.GuildMedia => "media",
            DiscordChannelTypes.GuildVoice => "voice",
            DiscordChannelTypes.GuildStageVoice => "stage",
            DiscordChannelTypes.PublicThread or DiscordChannelTypes.AnnouncementThread or DiscordChannelTypes.PrivateThread => "thread",
            _ => "text",
        };
    }

    public sealed record RowView(GuildHeader Guild, Row Row, string? Message);

    public GuildHeader Guild { get; private set; } = null!;
    public IReadOnlyList<(string Category, IReadOnlyList<Row> Rows)> Groups { get; private set; } = [];
    public DateTimeOffset? SyncedAt { get; private set; }

    public async Task<IActionResult> OnGetAsync(long guildId, CancellationToken cancellationToken)
    {
        if (await context.LoadAsync(guildId, User, cancellationToken) is not { } guild)
        {
            return NotFound();
        }

        Guild = guild;
        var rows = await Rows(guildId).ToListAsync(cancellationToken);
        var categories = rows.Where(r => r.Type == DiscordChannelTypes.GuildCategory).ToDictionary(r => r.Id, r => r.Name);
        var channels = rows.Where(r => r.Type != DiscordChannelTypes.GuildCategory).ToList();
        var byId = channels.ToDictionary(r => r.Id);

        // Threads sit under their parent channel; channels under their category.
        string CategoryOf(Row r) => r.IsThread && r.ParentId is { } p && byId.TryGetValue(p, out var parent) ? CategoryOf(parent)
            : r.ParentId is { } c && categories.TryGetValue(c, out var name) ? name : "No category";
        Groups = [.. channels
            .GroupBy(CategoryOf)
            .OrderBy(g => g.Key == "No category" ? 0 : 1).ThenBy(g => g.Min(r => r.Position))
            .Select(g => (g.Key, (IReadOnlyList<Row>)[.. g.OrderBy(r => r.IsThread ? byId.GetValueOrDefault(r.ParentId ?? 0)?.Position ?? r.Position : r.Position)
                .ThenBy(r => r.IsThread ? r.ParentId ?? r.Id : r.Id).ThenBy(r => r.IsThread).ThenBy(r => r.Name)]))];
        SyncedAt = await db.Guilds.Where(g => g.Id == guildId).Select(g => g.ChannelsSyncedAt).FirstAsync(cancellationToken);
        return Page();
    }

    /// <summary>The archive switch. On: checks the NSFW setting and starts a backfill; off: stops the channel's scans.</summary>
    public async Task<IActionResult> OnPostToggleAsync(long guildId, long channelId, bool on, CancellationToken cancellationToken)
    {
        if (await context.LoadAsync(guildId, User, cancellationToken) is not { } guild)
        {
            return NotFound();
        }

        return await archiving.SetAsync(Actor.User(User.DiscordUserId()!.Value), guildId, channelId, on, cancellationToken) switch
        {
            ArchiveSwitchResult.UnknownGuild or ArchiveSwitchResult.UnknownChannel => NotFound(),
            ArchiveSwitchResult.ReadOnly => await RowAsync(guild, channelId, ChannelArchiving.ReadOnlyMessage, StatusCodes.Status409Conflict, cancellationToken),
            ArchiveSwitchResult.NsfwNotAllowed => await RowAsync(guild, channelId, ChannelArchiving.NsfwMessage, StatusCodes.Status409Conflict, cancellationToken),
            _ => await RowAsync(guild, channelId, null, StatusCodes.Status200OK, cancellationToken),
        };
    }

    public async Task<IActionResult> OnPostScanAsync(long guildId, long channelId, CancellationToken cancellationToken)
    {
        if (await context.LoadAsync(guildId, User, cancellationToken) is not { } guild)
        {
            return NotFound();
        }

        return await scanNow.StartAsync(Actor.User(User.DiscordUserId()!.Value), guildId, channelId, cancellationToken) switch
        {
            ScanNowResult.Started => await RowAsync(guild, channelId, null, StatusCodes.Status200OK, cancellationToken),
            ScanNowResult.NotArchived => await RowAsync(guild, channelId, ScanNow.NotArchivedMessage, StatusCodes.Status409Conflict, cancellationToken),
            _ => NotFound(),
        };
    }

    public async Task<IActionResult> OnPostStopAsync(long guildId, long channelId, CancellationToken cancellationToken)
    {
        if (await context.LoadAsync(guildId, User, cancellationToken) is not { } guild)
        {
            return NotFound();
        }

        return await stopScans.StopAsync(Actor.User(User.DiscordUserId()!.Value), guildId, channelId, cancellationToken) is StopScansResult.Stopped
            ? await RowAsync(guild, channelId, "Stopping: the scan ends after the page it is reading.", StatusCodes.Status200OK, cancellationToken)
            : NotFound();
    }

    /// <summary>One row, polled while its scan is queued or running.</summary>
    public async Task<IActionResult> OnGetRowAsync(long guildId, long channelId, CancellationToken cancellationToken) =>
        await context.LoadAsync(guildId, User, cancellationToken) is { } guild
            ? await RowAsync(guild, channelId, null, StatusCodes.Status200OK, cancellationToken)
            : NotFound();

    public async Task<IActionResult> OnPostRefreshAsync(long guildId, CancellationToken cancellationToken)
    {
        if (await context.LoadAsync(guildId, User, cancellationToken) is not { CanChange: true })
        {
            return NotFound();
        }

        jobs.Enqueue<GuildSync>(s => s.SyncChannelsAsync(guildId, CancellationToken.None));
        TempData["Notice"] = "Reading the channel list from Discord; reload in a moment.";
        return Redirect($"/guilds/{guildId}/channels");
    }

    private async Task<IActionResult> RowAsync(GuildHeader guild, long channelId, string? message, int status, CancellationToken cancellationToken)
    {
        var row = await Rows(guild.Id, channelId).FirstOrDefaultAsync(cancellationToken);
        if (row is null)
        {
            return NotFound();
        }

        Response.StatusCode = status;
        Response.VaryOnHtmx();
        if (!Request.WantsFragment())
        {
            TempData["Notice"] = message;
            return Redirect($"/guilds/{guild.Id}/channels");
        }

        return Partial("_ChannelRow", new RowView(guild, row, message));
    }

    private IQueryable<Row> Rows(long guildId, long? channelId = null) =>
        db.Channels.AsNoTracking().Where(c => c.GuildId == guildId && (channelId == null || c.Id == channelId))
            .Select(c => new
            {
                Channel = c,
                Scan = db.ScanRuns.Where(r => r.ChannelId == c.Id).OrderByDescending(r => r.CreatedAt).FirstOrDefault(),
            })
            .Select(x => new Row(x.Channel.Id, x.Channel.Name, x.Channel.Type, x.Channel.ParentId, x.Channel.Position, x.Channel.Nsfw, x.Channel.IsThread,
                x.Channel.IsReading, x.Channel.ClipCount, x.Channel.ClipBytes, x.Channel.LastScanAt, x.Channel.DeletedAt,
                x.Scan == null ? null : x.Scan.Status, x.Scan == null ? 0 : x.Scan.MessagesRead, x.Scan == null ? 0 : x.Scan.ClipsFound,
                x.Scan != null && x.Scan.StopRequestedAt != null, x.Scan == null ? null : x.Scan.Error));
}

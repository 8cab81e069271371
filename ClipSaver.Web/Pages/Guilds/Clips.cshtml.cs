using ClipSaver.Web.Pages;

namespace ClipSaver.Web.Pages.Guilds;

/// <summary>
/// The clip browser: newest, oldest, largest or smallest first, filters by channel, author, dates and a piece of the file
/// name (<see cref="ClipSearch"/>), the total, keyset
/// paging ("load more" with htmx, which puts the position in the address), a player that streams the stored file with
/// range requests.
/// </summary>
[Authorize]
public sealed class ClipsModel(ClipSaverDbContext db, GuildContext context, ListClips listClips, ReadClipFile readClipFile) : PageModel
{
    public const int PageSize = 24;

    public sealed record ClipCard(long Id, long ChannelId, string Channel, long MessageId, string Author, string FileName, string? ContentType, long SizeBytes,
        double? DurationSecs, int? Height, DateTimeOffset PostedAt, bool HasFile, string? EmbedUrl, string? SkipReason, ClipMedia Media);

    public sealed record Choice(long Id, string Name);

    public sealed class Filter
    {
        public long? Channel { get; set; }
        public long? Author { get; set; }
        public DateOnly? From { get; set; }
        public DateOnly? To { get; set; }
        public ClipSort Sort { get; set; }

        /// <summary>A piece of the file name, any case (the address's <c>q</c>).</summary>
        public string? Q { get; set; }

        /// <summary>Keyset cursor: the last clip shown (<see cref="ClipCursor"/>).</summary>
        public string? After { get; set; }
    }

    public GuildHeader Guild { get; private set; } = null!;

    [BindProperty(SupportsGet = true)]
    public Filter Query { get; set; } = new();

    public IReadOnlyList<ClipCard> Clips { get; private set; } = [];
    public string? NextCursor { get; private set; }
    public IReadOnlyList<Choice> Channels { get; private set; } = [];
    public IReadOnlyList<Choice> Authors { get; private set; } = [];

    /// <summary>How many clips match the filters (null for a "load more" fragment, which does not show it).</summary>
    public ClipTotal? Total { get; private set; }

    /// <summary>Why the search cannot be looked for (too long, control characters); the page says it beside the box.</summary>
    public string? SearchError { get; private set; }

    /// <summary>Whether anything narrows the list (a channel, an author, a day, a search): then the total says "match".</summary>
    public bool IsFiltered => Query is not { Channel: null, Author: null, From: null, To: null } || ClipSearch.Normalize(Query.Q) is not null;

    /// <summary>The chosen days in the pages' way of writing dates ("From 3 Nov 2026 to 28 Nov 2026"), whatever the browser's date inputs show.</summary>
    public string? ChosenDays => (Query.From, Query.To) switch
    {
        ({ } from, { } to) => $"From {Display.Day(from)} to {Display.Day(to)}",
        ({ } from, null) => $"From {Display.Day(from)} on",
        (null, { } to) => $"Up to {Display.Day(to)}",
        _ => null,
    };

    /// <summary>This list's address with the filters and sort, from the start or after a cursor.</summary>
    public string ListUrl(string? after = null)
    {
        var q = Query;
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        var query = QueryString.Create(new KeyValuePair<string, string?>[]
        {
            new("Channel", q.Channel?.ToString(inv)),
            new("Author", q.Author?.ToString(inv)),
            new("From", q.From?.ToString("yyyy-MM-dd", inv)),
            new("To", q.To?.ToString("yyyy-MM-dd", inv)),
            new("Sort", q.Sort == ClipSort.Newest ? null : q.Sort.ToString()),
            new("q", ClipSearch.Normalize(q.Q)),
            new("After", after),
        }.Where(p => p.Value is not null));
        return $"/guilds/{Guild.Id}/clips{query}";
    }

    public async Task<IActionResult> OnGetAsync(long guildId, CancellationToken cancellationToken)
    {
        if (await context.LoadAsync(guildId, User, cancellationToken) is not { } guild)
        {
            return NotFound();
        }

        Guild = guild;
        var filter = new ClipFilter(Query.Channel, Query.Author, Query.From, Query.To, Query.After, Query.Sort, Query.Q);
        var actor = Actor.User(User.DiscordUserId()!.Value);
        switch (await listClips.ListAsync(actor, guildId, filter, PageSize, cancellationToken))
        {
            case ListClipsResult.Listed listed:
                Clips = await CardsAsync(listed.Clips, cancellationToken);
                NextCursor = listed.NextCursor;
                break;
            case ListClipsResult.BadCursor:
                return BadRequestText($"{ClipCursor.Title} {ClipCursor.Problem}");
            case ListClipsResult.BadSearch bad when Request.WantsFragment():
                return BadRequestText($"{ClipSearch.Title} {bad.Problem}");
            case ListClipsResult.BadSearch bad:
                // The whole page, with the search and the sentence beside the box; nothing is listed.
                SearchError = bad.Problem;
                Response.StatusCode = StatusCodes.Status400BadRequest;
                await LoadChoicesAsync(guildId, cancellationToken);
                return Page();
            default:
                return NotFound();
        }

        Response.VaryOnHtmx();
        if (Request.WantsFragment())
        {
            return Partial("_ClipPage", this);
        }

        Total = await listClips.CountAsync(actor, guildId, filter, cancellationToken);
        await LoadChoicesAsync(guildId, cancellationToken);
        return Page();
    }

    /// <summary>The channels and authors the filter offers.</summary>
    private async Task LoadChoicesAsync(long guildId, CancellationToken cancellationToken)
    {
        Channels = await db.Channels.AsNoTracking().Where(c => c.GuildId == guildId && c.ClipCount > 0).OrderBy(c => c.Name)
            .Select(c => new Choice(c.Id, c.Name)).ToListAsync(cancellationToken);
        Authors = await db.GuildMembers.AsNoTracking().Where(m => m.GuildId == guildId)
            .Join(db.Users, m => m.UserId, u => u.Id, (m, u) => u)
            .OrderBy(u => u.GlobalName ?? u.Username).Take(500)
            .Select(u => new Choice(u.Id, u.GlobalName ?? u.Username)).ToListAsync(cancellationToken);
    }

    private static ContentResult BadRequestText(string text) =>
        new() { StatusCode = StatusCodes.Status400BadRequest, Content = text, ContentType = "text/plain; charset=utf-8" };

    /// <summary>
    /// Clips that arrived since the page was loaded (newer than clip <paramref name="since"/>), for the page's poller:
    /// the live bot stores a clip within seconds, and it appears without a reload. Same access rules as the page.
    /// </summary>
    public async Task<IActionResult> OnGetNewerAsync(long guildId, long since, CancellationToken cancellationToken)
    {
        if (await context.LoadAsync(guildId, User, cancellationToken) is not { } guild
            || await listClips.ListAsync(Actor.User(User.DiscordUserId()!.Value), guildId, new ClipFilter(null, null, null, null, null), PageSize, cancellationToken) is not ListClipsResult.Listed listed)
        {
            return NotFound();
        }

        Guild = guild;
        Clips = await CardsAsync([.. listed.Clips.Where(c => c.Id > since && (c.StorageKey != null || c.EmbedUrl != null || c.SkipReason != null))], cancellationToken);
        Response.VaryOnHtmx();
        return Partial("_NewClips", (this, Clips.Count > 0 ? Clips.Max(c => c.Id) : since, false));
    }

    /// <summary>Newest clip on the first unfiltered page; the poller asks for clips after it. Null when the page is filtered or paged.</summary>
    public long? PollSince => !IsFiltered && Query.After is null ? Clips.Select(c => (long?)c.Id).Max() ?? 0 : null;

    /// <summary>The stored file, with range requests (seeking in the player), for people who may see the guild.</summary>
    public async Task<IActionResult> OnGetFileAsync(long guildId, long clipId, bool download, CancellationToken cancellationToken) =>
        User.DiscordUserId() is { } userId && await readClipFile.OpenAsync(Actor.User(userId), guildId, clipId, cancellationToken) is ClipFileResult.Found file
            ? new FileStreamResult(file.Content, file.ContentType) { EnableRangeProcessing = true, FileDownloadName = download ? file.FileName : null }
            : NotFound();

    /// <summary>The clip's poster, for people who may see the guild; cached for a year with its entity tag (decision 020).</summary>
    public async Task<IActionResult> OnGetThumbnailAsync(long guildId, long clipId, CancellationToken cancellationToken) =>
        User.DiscordUserId() is { } userId
            ? ThumbnailHttp.ToActionResult(await readClipFile.OpenThumbnailAsync(Actor.User(userId), guildId, clipId, ThumbnailHttp.IfNoneMatch(Request), cancellationToken), Response)
            : NotFound();

    /// <summary>The page's own view of a clip: with its channel's and author's names.</summary>
    private async Task<IReadOnlyList<ClipCard>> CardsAsync(IReadOnlyList<Clip> clips, CancellationToken cancellationToken)
    {
        var channelIds = clips.Select(c => c.ChannelId).Distinct().ToList();
        var authorIds = clips.Select(c => c.AuthorId).Distinct().ToList();
        var channels = await db.Channels.AsNoTracking().Where(c => channelIds.Contains(c.Id)).ToDictionaryAsync(c => c.Id, c => c.Name, cancellationToken);
        var authors = await db.Users.AsNoTracking().Where(u => authorIds.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.GlobalName ?? u.Username, cancellationToken);
        return [.. clips.Select(c => new ClipCard(c.Id, c.ChannelId, channels.GetValueOrDefault(c.ChannelId) ?? Display.UnknownChannel, c.MessageId, authors.GetValueOrDefault(c.AuthorId) ?? Display.UnknownAuthor,
            c.FileName, c.ContentType, c.SizeBytes, c.DurationSecs, c.Height, c.PostedAt, c.StorageKey != null, c.EmbedUrl, c.SkipReason, ClipMedia.OfGuildClip(c.GuildId, c, card: true)))];
    }
}

namespace ClipSaver.Core.Clips;

/// <summary>
/// What to list: clips of one channel, of one author, posted between two days (inclusive, UTC), whose file name holds
/// <see cref="Search"/> (<see cref="ClipSearch"/>), in an order, after a cursor.
/// </summary>
public sealed record ClipFilter(long? ChannelId = null, long? AuthorId = null, DateOnly? From = null, DateOnly? To = null, string? Cursor = null, ClipSort Sort = ClipSort.Newest,
    string? Search = null);

/// <summary>How many clips a filter matches; with <see cref="AtLeast"/>, at least that many (a search counts only so far).</summary>
public sealed record ClipTotal(long Count, bool AtLeast = false);

public abstract record ListClipsResult
{
    private ListClipsResult()
    {
    }

    /// <summary>One page in the filter's order; <see cref="NextCursor"/> is null on the last page.</summary>
    public sealed record Listed(IReadOnlyList<Clip> Clips, string? NextCursor) : ListClipsResult;

    /// <summary>The guild does not exist or the actor may not see it.</summary>
    public sealed record UnknownGuild : ListClipsResult;

    /// <summary>The cursor is malformed (<see cref="ClipCursor.Problem"/>).</summary>
    public sealed record BadCursor : ListClipsResult;

    /// <summary>The search cannot be looked for (too long, control characters): <see cref="Problem"/> says why.</summary>
    public sealed record BadSearch(string Problem) : ListClipsResult;
}

/// <summary>
/// A guild's clips, filtered, sorted (by date or size) and paged by keyset: the dashboard's clip browser and the API's
/// list. Each order has an index that ends in the clip id (see ClipConfiguration), so a page is an index range scan.
/// </summary>
public sealed class ListClips(ClipSaverDbContext db, GuildAccess access)
{
    public const int MaxLimit = 200;

    /// <summary>
    /// A search counts its matches up to this many, then says "more than": counting every clip of a big guild whose name
    /// holds a common word reads them all (400 ms for 100,000; docs/benchmarks.md), and no one pages that far.
    /// </summary>
    public const int SearchCountLimit = 1_000;

    public async Task<ListClipsResult> ListAsync(Actor actor, long guildId, ClipFilter filter, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, MaxLimit);
        if (await access.RoleOfAsync(actor, guildId, cancellationToken) == GuildRole.None)
        {
            return new ListClipsResult.UnknownGuild();
        }

        if (ClipSearch.Problem(filter.Search) is { } problem)
        {
            return new ListClipsResult.BadSearch(problem);
        }

        var clips = Filtered(guildId, filter);
        if (filter.Cursor is { } text)
        {
            if (!ClipCursor.TryParse(text, filter.Sort, out var after))
            {
                return new ListClipsResult.BadCursor();
            }

            clips = after.After(clips, filter.Sort);
        }

        var (page, next) = await ClipCursor.PageAsync(clips, limit, filter.Sort, cancellationToken);
        return new ListClipsResult.Listed(page, next);
    }

    /// <summary>
    /// How many clips the filter matches (the cursor and order aside), for "1,204 clips". The whole guild or one channel
    /// is read from the channels' counters, which the archive keeps with every clip it adds or deletes; other filters and
    /// a search count (a search up to <see cref="SearchCountLimit"/>). Null for a guild the actor may not see, or a search
    /// <see cref="ListAsync"/> refuses.
    /// </summary>
    public async Task<ClipTotal?> CountAsync(Actor actor, long guildId, ClipFilter filter, CancellationToken cancellationToken)
    {
        if (await access.RoleOfAsync(actor, guildId, cancellationToken) == GuildRole.None || ClipSearch.Problem(filter.Search) is not null)
        {
            return null;
        }

        if (ClipSearch.Normalize(filter.Search) is not null)
        {
            var found = await Filtered(guildId, filter).Take(SearchCountLimit + 1).LongCountAsync(cancellationToken);
            return found > SearchCountLimit ? new ClipTotal(SearchCountLimit, AtLeast: true) : new ClipTotal(found);
        }

        if (filter is { AuthorId: null, From: null, To: null })
        {
            return new ClipTotal(await db.Channels.Where(c => c.GuildId == guildId && (filter.ChannelId == null || c.Id == filter.ChannelId)).SumAsync(c => c.ClipCount, cancellationToken));
        }

        return new ClipTotal(await Filtered(guildId, filter).LongCountAsync(cancellationToken));
    }

    private IQueryable<Clip> Filtered(long guildId, ClipFilter filter)
    {
        var clips = db.Clips.AsNoTracking().Where(c => c.GuildId == guildId);
        if (filter.ChannelId is { } channel)
        {
            clips = clips.Where(c => c.ChannelId == channel);
        }

        if (filter.AuthorId is { } author)
        {
            clips = clips.Where(c => c.AuthorId == author);
        }

        if (filter.From is { } from)
        {
            var since = new DateTimeOffset(from.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            clips = clips.Where(c => c.PostedAt >= since);
        }

        if (filter.To is { } to && to < DateOnly.MaxValue)
        {
            var until = new DateTimeOffset(to.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            clips = clips.Where(c => c.PostedAt < until);
        }

        if (ClipSearch.Normalize(filter.Search) is { } text)
        {
            clips = ClipSearch.Apply(clips, text);
        }

        return clips;
    }
}

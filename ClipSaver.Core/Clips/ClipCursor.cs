namespace ClipSaver.Core.Clips;

/// <summary>The orders a clip list comes in. Newest first unless asked otherwise.</summary>
public enum ClipSort
{
    Newest,
    Oldest,
    Largest,
    Smallest,
}

/// <summary>
/// The keyset position in a clip list: the last clip shown, by the list's order. Written <c>postedAtTicks_id</c> for
/// the orders by date and <c>s{sizeBytes}_id</c> for the orders by size, so a cursor of one order is refused by the
/// other. The page's "load more" link and the API's <c>nextCursor</c> both carry it; this is its only parser, and its
/// <see cref="After(IQueryable{Clip}, ClipSort)"/> and <see cref="PageAsync"/> are the one keyset paging of every clip list.
/// </summary>
public readonly record struct ClipCursor(long Key, long Id)
{
    public const string Title = "Bad cursor.";
    public const string Problem = "The cursor is not one this list gave out: use the nextCursor of the previous page, or start again from the first page.";

    private const string SizePrefix = "s";

    public static bool IsBySize(ClipSort sort) => sort is ClipSort.Largest or ClipSort.Smallest;

    /// <summary>The position after <paramref name="clip"/> in a list sorted by <paramref name="sort"/>.</summary>
    public static ClipCursor Of(Clip clip, ClipSort sort) => new(IsBySize(sort) ? clip.SizeBytes : clip.PostedAt.UtcTicks, clip.Id);

    /// <summary>A cursor of a newest-first list.</summary>
    public static bool TryParse(string text, out ClipCursor cursor) => TryParse(text, ClipSort.Newest, out cursor);

    public static bool TryParse(string text, ClipSort sort, out ClipCursor cursor)
    {
        cursor = default;
        var bySize = IsBySize(sort);
        if (bySize != text.StartsWith(SizePrefix, StringComparison.Ordinal)
            || text[(bySize ? SizePrefix.Length : 0)..].Split('_') is not [var key, var id]
            || !long.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var k) || (!bySize && k >= DateTimeOffset.MaxValue.UtcTicks)
            || !long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var i))
        {
            return false;
        }

        cursor = new ClipCursor(k, i);
        return true;
    }

    /// <summary>The clips after this position of a newest-first list.</summary>
    public IQueryable<Clip> After(IQueryable<Clip> clips) => After(clips, ClipSort.Newest);

    /// <summary>The clips after this position in <paramref name="sort"/>'s order: the one keyset condition of every clip list.</summary>
    public IQueryable<Clip> After(IQueryable<Clip> clips, ClipSort sort)
    {
        var (key, id) = (Key, Id);
        var at = new DateTimeOffset(IsBySize(sort) ? 0 : key, TimeSpan.Zero);
        return sort switch
        {
            ClipSort.Oldest => clips.Where(c => c.PostedAt > at || (c.PostedAt == at && c.Id > id)),
            ClipSort.Largest => clips.Where(c => c.SizeBytes < key || (c.SizeBytes == key && c.Id < id)),
            ClipSort.Smallest => clips.Where(c => c.SizeBytes > key || (c.SizeBytes == key && c.Id > id)),
            _ => clips.Where(c => c.PostedAt < at || (c.PostedAt == at && c.Id < id)),
        };
    }

    /// <summary>One page of <paramref name="clips"/>, newest first, and the cursor of the next page (null on the last).</summary>
    public static Task<(IReadOnlyList<Clip> Page, string? Next)> PageAsync(IQueryable<Clip> clips, int limit, CancellationToken cancellationToken) =>
        PageAsync(clips, limit, ClipSort.Newest, cancellationToken);

    /// <summary>One page of <paramref name="clips"/> in <paramref name="sort"/>'s order, and the cursor of the next page (null on the last).</summary>
    public static async Task<(IReadOnlyList<Clip> Page, string? Next)> PageAsync(IQueryable<Clip> clips, int limit, ClipSort sort, CancellationToken cancellationToken)
    {
        var ordered = sort switch
        {
            ClipSort.Oldest => clips.OrderBy(c => c.PostedAt).ThenBy(c => c.Id),
            ClipSort.Largest => clips.OrderByDescending(c => c.SizeBytes).ThenByDescending(c => c.Id),
            ClipSort.Smallest => clips.OrderBy(c => c.SizeBytes).ThenBy(c => c.Id),
            _ => clips.OrderByDescending(c => c.PostedAt).ThenByDescending(c => c.Id),
        };
        var rows = await ordered.Take(limit + 1).ToListAsync(cancellationToken);
        var page = rows.Count > limit ? rows[..limit] : rows;
        return (page, rows.Count > limit ? Of(page[^1], sort).ToString(sort) : null);
    }

    public string ToString(ClipSort sort) =>
        $"{(IsBySize(sort) ? SizePrefix : "")}{Key.ToString(CultureInfo.InvariantCulture)}_{Id.ToString(CultureInfo.InvariantCulture)}";

    public override string ToString() => ToString(ClipSort.Newest);
}

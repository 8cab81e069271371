using System.Globalization;

namespace ClipSaver.Core.Clips;

/// <summary>
/// The keyset position in a guild's clip list (newest first): the last clip shown, written <c>postedAtTicks_id</c>.
/// The page's "load more" link and the API's <c>nextCursor</c> both carry it; this is its only parser.
/// </summary>
public readonly record struct ClipCursor(DateTimeOffset PostedAt, long Id)
{
    public const string Title = "Bad cursor.";
    public const string Problem = "The cursor is not one this list gave out: use the nextCursor of the previous page, or start again from the first page.";

    public static bool TryParse(string text, out ClipCursor cursor)
    {
        cursor = default;
        if (text.Split('_') is not [var ticks, var id]
            || !long.TryParse(ticks, NumberStyles.None, CultureInfo.InvariantCulture, out var t) || t >= DateTimeOffset.MaxValue.UtcTicks
            || !long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var i))
        {
            return false;
        }

        cursor = new ClipCursor(new DateTimeOffset(t, TimeSpan.Zero), i);
        return true;
    }

    /// <summary>The clips after this position, newest first: the one keyset condition of every clip list.</summary>
    public IQueryable<Clip> After(IQueryable<Clip> clips)
    {
        var (postedAt, id) = (PostedAt, Id);
        return clips.Where(c => c.PostedAt < postedAt || (c.PostedAt == postedAt && c.Id < id));
    }

    /// <summary>One page of <paramref name="clips"/>, newest first, and the cursor of the next page (null on the last).</summary>
    public static async Task<(IReadOnlyList<Clip> Page, string? Next)> PageAsync(IQueryable<Clip> clips, int limit, CancellationToken cancellationToken)
    {
        var rows = await clips.OrderByDescending(c => c.PostedAt).ThenByDescending(c => c.Id).Take(limit + 1).ToListAsync(cancellationToken);
        var page = rows.Count > limit ? rows[..limit] : rows;
        return (page, rows.Count > limit ? new ClipCursor(page[^1].PostedAt, page[^1].Id).ToString() : null);
    }

    public override string ToString() =>
        $"{PostedAt.UtcTicks.ToString(CultureInfo.InvariantCulture)}_{Id.ToString(CultureInfo.InvariantCulture)}";
}

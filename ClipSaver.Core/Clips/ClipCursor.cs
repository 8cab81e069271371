using System.Globalization;

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
/// The keyset position in a guild's clip list: the last clip shown, by the list's order. Written
/// <c>postedAtTicks_id</c> for the orders by date and <c>s{sizeBytes}_id</c> for the orders by size, so a cursor of one
/// order is refused by the other. The page's "load more" link and the API's <c>nextCursor</c> both carry it; this is
/// its only parser.
/// </summary>
public readonly record struct ClipCursor(long Key, long Id)
{
    public const string Title = "Bad cursor.";
    public const string Problem = "The cursor is not one this list gave out: use the nextCursor of the previous page, or start again from the first page.";

    private const string SizePrefix = "s";

    public static bool IsBySize(ClipSort sort) => sort is ClipSort.Largest or ClipSort.Smallest;

    /// <summary>The position after <paramref name="clip"/> in a list sorted by <paramref name="sort"/>.</summary>
    public static ClipCursor After(Clip clip, ClipSort sort) => new(IsBySize(sort) ? clip.SizeBytes : clip.PostedAt.UtcTicks, clip.Id);

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

    public string ToString(ClipSort sort) =>
        $"{(IsBySize(sort) ? SizePrefix : "")}{Key.ToString(CultureInfo.InvariantCulture)}_{Id.ToString(CultureInfo.InvariantCulture)}";
}

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

    public override string ToString() =>
        $"{PostedAt.UtcTicks.ToString(CultureInfo.InvariantCulture)}_{Id.ToString(CultureInfo.InvariantCulture)}";
}

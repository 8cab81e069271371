using System.Text;

namespace ClipSaver.Core.Clips;

/// <summary>
/// The clip list's text search: a piece of the file name, in any case, taken literally (docs/decisions/025-clip-search.md).
/// The page's <c>q</c> and the API's <c>q</c> both come here; a trigram index on the file name keeps it fast on a big guild.
/// </summary>
public static class ClipSearch
{
    public const int MaxLength = 100;
    public const string Title = "Bad search.";

    private const string Escape = "\\";

    /// <summary>What was typed, trimmed; null when there is nothing to look for (no text, or only spaces).</summary>
    public static string? Normalize(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    /// <summary>Why <paramref name="text"/> cannot be looked for, in a sentence for people; null when it can.</summary>
    public static string? Problem(string? text) => Normalize(text) switch
    {
        { Length: > MaxLength } t => $"Search for at most {MaxLength} characters (this one has {t.Length}).",
        { } t when t.Any(char.IsControl) => "The search cannot contain control characters such as line breaks.",
        _ => null,
    };

    /// <summary>
    /// A LIKE pattern that finds <paramref name="text"/> anywhere, with <c>%</c>, <c>_</c> and <c>\</c> escaped so that they
    /// match themselves: "100%" finds "100%.mp4", not every name that has "100" in it.
    /// </summary>
    public static string Pattern(string text)
    {
        var pattern = new StringBuilder(text.Length + 8).Append('%');
        foreach (var c in text)
        {
            if (c is '%' or '_' or '\\')
            {
                pattern.Append('\\');
            }

            pattern.Append(c);
        }

        return pattern.Append('%').ToString();
    }

    /// <summary>The clips whose file name holds <paramref name="text"/> (already normalized), in any case.</summary>
    public static IQueryable<Clip> Apply(IQueryable<Clip> clips, string text)
    {
        var pattern = Pattern(text);
        return clips.Where(c => EF.Functions.ILike(c.FileName, pattern, Escape));
    }
}

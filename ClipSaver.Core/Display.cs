namespace ClipSaver.Core;

/// <summary>How pages and stored sentences (audit events) write sizes, counts and times for people, so every page reads the same ("63.9 MB", "28 Nov 2026 04:55 UTC").</summary>
public static class Display
{
    public static string Bytes(long bytes) => bytes switch
    {
        < 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes"),
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.#} KB"),
        < 1024L * 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.#} MB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024 * 1024):0.##} GB"),
    };

    /// <summary>"1 clip", "2 clips", "1,204 clips".</summary>
    public static string Count(long count, string one, string? many = null) =>
        string.Create(CultureInfo.InvariantCulture, $"{count:N0} {(count == 1 ? one : many ?? one + "s")}");

    /// <summary>An author ClipSaver has no name for (an opted-out member, or one never seen in the member list).</summary>
    public const string UnknownAuthor = "unknown member";

    /// <summary>A channel ClipSaver no longer has (deleted on Discord, or purged).</summary>
    public const string UnknownChannel = "deleted channel";

    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("d MMM yyyy HH:mm 'UTC'", CultureInfo.InvariantCulture);

    public static string Date(DateTimeOffset at) => at.UtcDateTime.ToString("d MMM yyyy", CultureInfo.InvariantCulture);

    /// <summary>A day someone chose in a date input, as the pages write dates ("3 Nov 2026"), whatever the browser's input shows.</summary>
    public static string Day(DateOnly day) => day.ToString("d MMM yyyy", CultureInfo.InvariantCulture);

    /// <summary>An estimate of time left, rounded as a person says it: "a few seconds", "about 40 seconds", "about 3 minutes", "about 2 h 10 min".</summary>
    public static string TimeLeft(int seconds) => seconds switch
    {
        < 10 => "a few seconds",
        < 60 => string.Create(CultureInfo.InvariantCulture, $"about {Math.Max(10, (int)Math.Round(seconds / 5.0) * 5)} seconds"),
        < 90 => "about a minute",
        < 3600 => string.Create(CultureInfo.InvariantCulture, $"about {(int)Math.Round(seconds / 60.0)} minutes"),
        _ => string.Create(CultureInfo.InvariantCulture, $"about {seconds / 3600} h {(int)Math.Round(seconds % 3600 / 60.0)} min"),
    };

    public static string Duration(double seconds) => seconds < 3600
        ? string.Create(CultureInfo.InvariantCulture, $"{(int)seconds / 60}:{(int)seconds % 60:00}")
        : string.Create(CultureInfo.InvariantCulture, $"{(int)seconds / 3600}:{(int)seconds % 3600 / 60:00}:{(int)seconds % 60:00}");
}

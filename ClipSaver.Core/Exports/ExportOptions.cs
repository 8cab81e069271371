namespace ClipSaver.Core.Exports;

/// <summary>Section <c>ClipSaver:Exports</c>.</summary>
public sealed class ExportOptions
{
    public const string Section = "ClipSaver:Exports";

    /// <summary>A part is closed before the next file would take it past this size (a single larger file gets a part of its own).</summary>
    [Range(1024L, 1L << 40)]
    public long PartSizeBytes { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>How long a finished export can be downloaded; the retention job deletes it after that.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan Keep { get; set; } = TimeSpan.FromHours(24);
}

/// <summary>Where an export's parts live in clip storage: apart from every guild's prefix, so that a purge does not take an owner's export with it.</summary>
public static class ExportKeys
{
    public const string Prefix = "exports/";

    public static string Part(long exportId, int number) => string.Create(CultureInfo.InvariantCulture, $"{Prefix}{exportId}/part-{number:000}.zip");

    public static string Of(long exportId) => string.Create(CultureInfo.InvariantCulture, $"{Prefix}{exportId}/");
}

namespace ClipSaver.Core.Purging;

/// <summary>The <c>ClipSaver:Purge</c> section.</summary>
public sealed class PurgeOptions
{
    public const string Section = "ClipSaver:Purge";

    /// <summary>Time between the request and the start, during which the owner can cancel. Zero for none.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan UndoWindow { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>One channel purge per channel, and one all-channels purge per guild, per this period.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00")]
    public TimeSpan Cooldown { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Rows deleted per batch; each batch is its own short transaction.</summary>
    [Range(1, 100_000)]
    public int BatchSize { get; set; } = 10_000;

    /// <summary>How long the purge waits for running scans of its scope to stop.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ScanStopTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How the clip deletes find the scope's rows: Auto chooses by the scope's share of the table (decision 006); Table or Index pins one.</summary>
    public ClipWalkOrder ClipWalk { get; set; } = ClipWalkOrder.Auto;
}

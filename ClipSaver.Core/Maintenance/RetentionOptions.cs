namespace ClipSaver.Core.Maintenance;

/// <summary>The <c>Retention</c> section.</summary>
public sealed class RetentionOptions
{
    public const string Section = "Retention";

    /// <summary>Finished scan and purge runs older than this are removed.</summary>
    [Range(0, 24 * 365)]
    public int JobRecordHours { get; set; } = 48;

    /// <summary>How often the retention purge runs.</summary>
    [Range(1, 24 * 7)]
    public int IntervalHours { get; set; } = 6;

    /// <summary>Rows deleted per batch (each batch its own short transaction).</summary>
    [Range(1, 100_000)]
    public int BatchSize { get; set; } = 1000;

    /// <summary>Audit events are kept longer than job records.</summary>
    [Range(1, 3650)]
    public int AuditEventDays { get; set; } = 365;

    /// <summary>The retention purge also runs once this long after start-up, to clear a backlog (0 seconds: not at start-up).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan StartupDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>A guild whose bot was removed is purged after this many days unless re-invited.</summary>
    [Range(0, 3650)]
    public int RemovedGuildGraceDays { get; set; } = 30;
}

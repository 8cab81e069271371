namespace ClipSaver.Core.Data;

// The records of runs: scans, purges and exports. Like Entities.cs, plain classes without mapping attributes; the
// mapping lives in Configurations/ (docs/decisions/002-data-model.md).

public enum ScanStatus
{
    Queued,
    Running,
    Completed,
    Failed,
    Cancelled,
}

public enum ScanKind
{
    Backfill,
    Incremental,
    Manual,
}

/// <summary>
/// What scan runs, purge runs and exports share as runs that one Hangfire job works on at a time, holding the run's
/// lease: the recovery dispatcher reads all three alike (docs/decisions/015-crash-recovery.md).
/// </summary>
public interface IJobRun<TStatus>
    where TStatus : struct, Enum
{
    long Id { get; }
    TStatus Status { get; }
    string? HangfireJobId { get; }
    DateTimeOffset? HeartbeatAt { get; }
}

public sealed class ScanRun : IJobRun<ScanStatus>
{
    public long Id { get; set; }
    public long GuildId { get; set; }
    public long ChannelId { get; set; }
    public ScanKind Kind { get; set; }
    public ScanStatus Status { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    public DateTimeOffset? HeartbeatAt { get; set; }
    public DateTimeOffset? StopRequestedAt { get; set; }
    public long MessagesRead { get; set; }
    public long ClipsFound { get; set; }
    public long FilesStored { get; set; }
    public long BytesStored { get; set; }

    /// <summary>Clips this run did not archive because their authors opted out.</summary>
    public long ClipsSkippedOptedOut { get; set; }
    public string? Error { get; set; }
    public string? HangfireJobId { get; set; }
}

public enum PurgeScope
{
    Channel,
    AllChannels,
    Guild,

    /// <summary>A member deletes the clips they posted in one guild (<see cref="PurgeRun.AuthorId"/>).</summary>
    Author,
}

public enum PurgeStatus
{
    Scheduled,
    Running,
    Completed,
    Failed,
    Cancelled,
}

public sealed class PurgeRun : IJobRun<PurgeStatus>
{
    public long Id { get; set; }
    public long GuildId { get; set; }
    public PurgeScope Scope { get; set; }
    public long? ChannelId { get; set; }

    /// <summary>The member whose clips an <see cref="PurgeScope.Author"/> purge deletes; null for the other scopes.</summary>
    public long? AuthorId { get; set; }

    /// <summary>A narrower channel or all-channels purge: only clips posted before this day (UTC) go (docs/decisions/021-narrower-purges.md).</summary>
    public DateOnly? OlderThan { get; set; }

    /// <summary>A narrower channel or all-channels purge: only clips whose file could not be archived (a skip reason) go.</summary>
    public bool FailedOnly { get; set; }

    /// <summary>Discord user id of the owner who asked, or null for a purge run by the system.</summary>
    public long? RequestedBy { get; set; }
    public DateTimeOffset RequestedAt { get; set; }
    /// <summary>End of the undo window: the job does nothing before this time.</summary>
    public DateTimeOffset NotBefore { get; set; }
    public PurgeStatus Status { get; set; }
    public string? Step { get; set; }
    public string? PreviewJson { get; set; }
    public string? ProgressJson { get; set; }
    public string? ReportJson { get; set; }
    public string? Error { get; set; }
    public string? HangfireJobId { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    public DateTimeOffset? HeartbeatAt { get; set; }
}

public enum ExportStatus
{
    Queued,
    Running,
    Completed,
    Failed,
}

/// <summary>
/// A ZIP of clips and their manifest, in parts: a member's own clips (<see cref="GuildId"/> optional) or, for a
/// guild's owner, a guild or one channel with its threads. Kept until <see cref="ExpiresAt"/>, for its user only.
/// </summary>
public sealed class Export : IJobRun<ExportStatus>
{
    public long Id { get; set; }

    /// <summary>Who asked, and the only one who may download it.</summary>
    public long UserId { get; set; }

    /// <summary>True for an owner's export of a guild or channel; false for a member's export of their own clips.</summary>
    public bool IsGuildExport { get; set; }
    public long? GuildId { get; set; }
    public long? ChannelId { get; set; }
    public ExportStatus Status { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    public DateTimeOffset? HeartbeatAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public long ClipsTotal { get; set; }
    public long ClipsDone { get; set; }
    public long BytesDone { get; set; }
    public string? Error { get; set; }
    public string? HangfireJobId { get; set; }
}

/// <summary>One finished part of an export: a complete ZIP with the clips after the previous part's last one.</summary>
public sealed class ExportPart
{
    public long ExportId { get; set; }
    public int Number { get; set; }
    public string StorageKey { get; set; } = "";
    public long SizeBytes { get; set; }
    public long Clips { get; set; }

    /// <summary>The export's cursor after this part: the next part starts after this clip.</summary>
    public long LastClipId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>
    /// The boot of the machine that wrote the part's file without putting it on the disk yet (decision 031); null once
    /// it is there (or for a storage whose writes are durable when they return). A part of another boot than the
    /// running one may have been lost with the machine: its export is built again from it.
    /// </summary>
    public Guid? UnsyncedBoot { get; set; }
}

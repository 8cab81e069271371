namespace ClipSaver.Web.Maintenance;

/// <summary>The maintenance jobs an operator can start by hand, shared by /admin and the API.</summary>
public static class MaintenanceJobs
{
    public sealed record Definition(string Id, string Title, string Description, bool HasDryRun);

    public static readonly IReadOnlyList<Definition> All =
    [
        new(RetentionPurgeJob.RecurringJobId, "Retention purge", "Removes finished scan and purge records older than the retention window, and old audit events.", false),
        new(MemberCleanupJob.RecurringJobId, "Member cleanup", "Removes members who left their server (and, if the server says so, their clips).", true),
        new(ExpiredIntentsJob.RecurringJobId, "Expired install intents", "Deletes \"add the bot\" links that expired.", false),
        new(GracePeriodJob.RecurringJobId, "Grace-period deletion", "Purges servers that removed the bot longer ago than the grace period.", false),
        new(OrphanScan.RecurringJobId, "Orphan scan", "Looks for clips, files and runs that belong nowhere; the dry run reports, the real run fixes.", true),
        new(GuildSync.ReconcileJobId, "Guild reconciliation", "Compares the bot's servers on Discord with the database.", false),
        new(IncrementalScansJob.RecurringJobId, "Incremental scans", "Starts a scan of every archived channel for what is new.", false),
        new(RunRecovery.RecurringJobId, "Run recovery", "Gives purges and scans that lost their job (a crash) a new one, and deletes temporary files of downloads that died.", false),
        new(ChecksumBackfillJob.RecurringJobId, "Checksum backfill", "Records the CRC-32 of clips stored before it was kept, a bounded batch per run, so that exports copy their files without reading them.", false),
    ];

    /// <summary>Enqueues a run now; returns the Hangfire job id, or null for an unknown job.</summary>
    public static string? Enqueue(IBackgroundJobClient jobs, string id, bool dryRun, int? overrideHours, long? guildId) => id switch
    {
        RetentionPurgeJob.RecurringJobId => jobs.Enqueue<RetentionPurgeJob>(j => j.RunAsync(overrideHours, CancellationToken.None)),
        MemberCleanupJob.RecurringJobId => jobs.Enqueue<MemberCleanupJob>(j => j.RunAsync(guildId, dryRun, CancellationToken.None)),
        ExpiredIntentsJob.RecurringJobId => jobs.Enqueue<ExpiredIntentsJob>(j => j.RunAsync(CancellationToken.None)),
        GracePeriodJob.RecurringJobId => jobs.Enqueue<GracePeriodJob>(j => j.RunAsync(CancellationToken.None)),
        OrphanScan.RecurringJobId => jobs.Enqueue<OrphanScan>(j => j.RunAsync(!dryRun, false, CancellationToken.None)),
        GuildSync.ReconcileJobId => jobs.Enqueue<GuildSync>(j => j.ReconcileAsync(CancellationToken.None)),
        IncrementalScansJob.RecurringJobId => jobs.Enqueue<IncrementalScansJob>(j => j.RunAsync(CancellationToken.None)),
        RunRecovery.RecurringJobId => jobs.Enqueue<RunRecovery>(j => j.RunAsync(CancellationToken.None)),
        ChecksumBackfillJob.RecurringJobId => jobs.Enqueue<ChecksumBackfillJob>(j => j.RunAsync(CancellationToken.None)),
        _ => null,
    };
}

namespace ClipSaver.Core.Maintenance;

public sealed record RetentionResult(bool Skipped, long ScanRunsDeleted, long PurgeRunsDeleted, long AuditEventsDeleted, DateTimeOffset Cutoff, TimeSpan Elapsed, long ExportsDeleted = 0);

/// <summary>
/// Removes finished job records (scan and purge runs that completed, failed or were cancelled) older than the
/// retention window, audit events older than their own, longer window, and exports past their download window. Queued, scheduled and running records
/// are never touched, whatever their age. Batches are bounded, each its own short statement. Each run's counts are
/// kept as an audit event, so that /admin shows the last result after Hangfire's own record expired.
/// </summary>
public sealed partial class RetentionPurgeJob(
    ClipSaverDbContext db,
    ClipSaverConnection connection,
    Storage.IClipStorage storage,
    IOptionsMonitor<RetentionOptions> options,
    TimeProvider clock,
    ILogger<RetentionPurgeJob> logger)
{
    public const string RecurringJobId = "retention-purge";
    public const string AuditAction = "maintenance.retention_purge";

    private static readonly ScanStatus[] FinishedScans = [ScanStatus.Completed, ScanStatus.Failed, ScanStatus.Cancelled];
    private static readonly PurgeStatus[] FinishedPurges = [PurgeStatus.Completed, PurgeStatus.Failed, PurgeStatus.Cancelled];

    [Queue(JobQueues.Maintenance)]
    [AutomaticRetry(Attempts = 3)]
    [JobDisplayName("Retention purge of job records")]
    public Task<RetentionResult> RunAsync(int? overrideHours, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var started = Stopwatch.GetTimestamp();
        var now = clock.GetUtcNow();
        var cutoff = now.AddHours(-(overrideHours ?? settings.JobRecordHours));
        return AdvisoryLock.RunAloneAsync(connection.ConnectionString, RecurringJobId, () => PurgeAsync(settings, started, now, cutoff, cancellationToken), () =>
        {
            LogSkipped(logger);
            return new RetentionResult(true, 0, 0, 0, cutoff, TimeSpan.Zero);
        }, cancellationToken);
    }

    private async Task<RetentionResult> PurgeAsync(RetentionOptions settings, long started, DateTimeOffset now, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var scans = await DeleteInBatchesAsync(
            db.ScanRuns.Where(r => FinishedScans.Contains(r.Status) && r.FinishedAt != null && r.FinishedAt < cutoff).OrderBy(r => r.Id),
            settings.BatchSize, cancellationToken);
        var purges = await DeleteInBatchesAsync(
            db.PurgeRuns.Where(r => FinishedPurges.Contains(r.Status) && r.FinishedAt != null && r.FinishedAt < cutoff).OrderBy(r => r.Id),
            settings.BatchSize, cancellationToken);
        var auditCutoff = now.AddDays(-settings.AuditEventDays);
        var audits = await DeleteInBatchesAsync(
            db.AuditEvents.Where(e => e.CreatedAt < auditCutoff).OrderBy(e => e.Id),
            settings.BatchSize, cancellationToken);

        // Exports past their download window go with their files, whatever their state (docs/decisions/018-members-own-data.md).
        var exports = await Exports.DeleteExport.DeleteExpiredAsync(db, storage, now, cancellationToken);

        var elapsed = Stopwatch.GetElapsedTime(started);
        var result = new RetentionResult(false, scans, purges, audits, cutoff, elapsed, exports);
        db.AuditEvents.Add(new AuditEvent
        {
            Action = AuditAction,
            Summary = $"Retention purge: {Display.Count(scans, "scan run")}, {Display.Count(purges, "purge run")}, {Display.Count(audits, "audit event")} and {Display.Count(exports, "expired export")} removed (finished before {Display.Time(cutoff)}).",
            DataJson = JsonSerializer.Serialize(result, JsonSerializerOptions.Web),
            CreatedAt = now,
        });
        await db.SaveChangesAsync(cancellationToken);
        LogSummary(logger, scans, purges, audits, cutoff, elapsed.TotalMilliseconds);
        return result;
    }

    /// <summary>Deletes the rows a batch at a time, each batch its own short statement, until a batch comes back short.</summary>
    private static async Task<long> DeleteInBatchesAsync<T>(IOrderedQueryable<T> rows, int batchSize, CancellationToken cancellationToken)
    {
        long total = 0;
        int deleted;
        do
        {
            deleted = await rows.Take(batchSize).ExecuteDeleteAsync(cancellationToken);
            total += deleted;
        }
        while (deleted == batchSize);
        return total;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention purge skipped: another run holds the lock")]
    private static partial void LogSkipped(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Retention purge deleted {ScanRuns} scan runs, {PurgeRuns} purge runs and {AuditEvents} audit events finished before {Cutoff:O} in {ElapsedMs:0} ms")]
    private static partial void LogSummary(ILogger logger, long scanRuns, long purgeRuns, long auditEvents, DateTimeOffset cutoff, double elapsedMs);
}

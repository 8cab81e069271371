using ClipSaver.Core.Purging;
using Hangfire.States;

namespace ClipSaver.Core.Jobs;

/// <summary>Section <c>ClipSaver:Recovery</c>.</summary>
public sealed class RecoveryOptions
{
    public const string Section = "ClipSaver:Recovery";

    /// <summary>
    /// How long a run may wait for its job before the dispatcher looks at it: a purge past its start, a scan queued
    /// this long ago. Covers the moment between a run's commit and its job's enqueue.
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan Grace { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A running run that no job holds and that showed no sign of life for this long gets a new job whatever Hangfire
    /// says of the old one (a job that Hangfire lost in a state it would never leave).
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:05", "1.00:00:00")]
    public TimeSpan StaleAfter { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>A temporary file of a download that nobody writes any more is deleted once it is this old.</summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan TemporaryFilesAfter { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>What one pass of the dispatcher did.</summary>
public sealed record RecoveryResult(bool Skipped, int PurgesEnqueued, int ScansEnqueued, int ScansEnded, int TemporaryFilesDeleted = 0, int ExportsEnqueued = 0);

/// <summary>
/// The recovery dispatcher (docs/decisions/015-crash-recovery.md): every minute, and once at start-up, it finds the
/// purge and scan runs and exports that should be in progress but have no live job, and enqueues a job for each. A run is live
/// while a job holds its lease (<see cref="RunLeases"/>); a run without one is left alone while Hangfire still has a
/// job for it that will run (enqueued, scheduled, processing — the job of a killed process comes back after the
/// invisibility timeout). Everything else gets a new job: the run's job was never enqueued (a crash between commit
/// and enqueue), was deleted, or ended. One dispatcher works at a time (an advisory lock), and the leases make a run
/// that gets two jobs anyway run once.
/// </summary>
public sealed partial class RunRecovery(
    ClipSaverDbContext db,
    ClipSaverConnection connection,
    IClipStorage clipStorage,
    IBackgroundJobClient jobs,
    JobStorage storage,
    IOptionsMonitor<RecoveryOptions> options,
    TimeProvider clock,
    ILogger<RunRecovery> logger)
{
    public const string RecurringJobId = "recover-runs";

    private static readonly string[] LiveStates = [EnqueuedState.StateName, ScheduledState.StateName, ProcessingState.StateName, AwaitingState.StateName];

    [Queue(JobQueues.Maintenance)]
    [AutomaticRetry(Attempts = 0)]
    [JobDisplayName("Recover interrupted purges and scans")]
    public Task<RecoveryResult> RunAsync(CancellationToken cancellationToken) =>
        AdvisoryLock.RunAloneAsync(connection.ConnectionString, RecurringJobId, () => RecoverAsync(cancellationToken), () => new RecoveryResult(true, 0, 0, 0), cancellationToken);

    private async Task<RecoveryResult> RecoverAsync(CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var now = clock.GetUtcNow();
        var due = now - settings.Grace;
        var stale = now - settings.StaleAfter;
        await db.Database.OpenConnectionAsync(cancellationToken);
        var sql = (NpgsqlConnection)db.Database.GetDbConnection();

        var purges = await db.PurgeRuns.AsNoTracking()
            .Where(p => (p.Status == PurgeStatus.Scheduled && p.NotBefore <= due) || p.Status == PurgeStatus.Running)
            .OrderBy(p => p.Id)
            .Select(p => new Run<PurgeStatus>(p.Id, p.Status, p.Status == PurgeStatus.Running, p.HangfireJobId, p.HeartbeatAt))
            .ToListAsync(cancellationToken);
        var purgesEnqueued = await EnqueueWithoutLiveJobAsync(sql, purges, stale, RunLeases.Purge, async p =>
        {
            var jobId = jobs.Enqueue<PurgeJob>(j => j.RunAsync(p.Id, CancellationToken.None));
            await db.PurgeRuns.Where(r => r.Id == p.Id && (r.Status == PurgeStatus.Scheduled || r.Status == PurgeStatus.Running))
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.HangfireJobId, jobId), cancellationToken);
            LogPurgeEnqueued(logger, p.Id, p.Status, p.HangfireJobId, jobId);
        }, cancellationToken);

        // A running scan that was asked to stop and whose process died ends here; nobody else would end it.
        var scansEnded = await Scans.EndAbandonedAsync(
            db, connection.ConnectionString, db.ScanRuns.Where(r => r.Status == ScanStatus.Running && r.StopRequestedAt != null), "Stopped on request.", now, cancellationToken);

        var scans = await db.ScanRuns.AsNoTracking()
            .Where(r => (r.Status == ScanStatus.Queued && r.CreatedAt <= due) || r.Status == ScanStatus.Running)
            .OrderBy(r => r.Id)
            .Select(r => new Run<ScanStatus>(r.Id, r.Status, r.Status == ScanStatus.Running, r.HangfireJobId, r.HeartbeatAt))
            .ToListAsync(cancellationToken);
        var scansEnqueued = await EnqueueWithoutLiveJobAsync(sql, scans, stale, RunLeases.Scan, async r =>
        {
            var jobId = jobs.Enqueue<ScanJob>(j => j.RunAsync(r.Id, CancellationToken.None));
            await db.ScanRuns.Where(x => x.Id == r.Id && (x.Status == ScanStatus.Queued || x.Status == ScanStatus.Running))
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.HangfireJobId, jobId), cancellationToken);
            LogScanEnqueued(logger, r.Id, r.Status, r.HangfireJobId, jobId);
        }, cancellationToken);

        var exports = await db.Exports.AsNoTracking()
            .Where(x => (x.Status == ExportStatus.Queued && x.CreatedAt <= due) || x.Status == ExportStatus.Running)
            .OrderBy(x => x.Id)
            .Select(x => new Run<ExportStatus>(x.Id, x.Status, x.Status == ExportStatus.Running, x.HangfireJobId, x.HeartbeatAt))
            .ToListAsync(cancellationToken);
        var exportsEnqueued = await EnqueueWithoutLiveJobAsync(sql, exports, stale, RunLeases.Export, async x =>
        {
            var jobId = jobs.Enqueue<Exports.ExportJob>(j => j.RunAsync(x.Id, CancellationToken.None));
            await db.Exports.Where(e => e.Id == x.Id && (e.Status == ExportStatus.Queued || e.Status == ExportStatus.Running))
                .ExecuteUpdateAsync(s => s.SetProperty(e => e.HangfireJobId, jobId), cancellationToken);
            LogExportEnqueued(logger, x.Id, x.Status, x.HangfireJobId, jobId);
        }, cancellationToken);

        // Half-written files of downloads that died with their process.
        var temporary = await clipStorage.DeleteAbandonedTemporaryFilesAsync(settings.TemporaryFilesAfter, cancellationToken);
        return new RecoveryResult(false, purgesEnqueued, scansEnqueued, scansEnded, temporary, exportsEnqueued);
    }

    /// <summary>
    /// Gives a new job to each run that no job holds (its lease is free) and whose Hangfire job will not run; a running
    /// run that showed no sign of life since <paramref name="stale"/> gets one whatever Hangfire says. Returns how many.
    /// </summary>
    private async Task<int> EnqueueWithoutLiveJobAsync<TStatus>(
        NpgsqlConnection sql, IReadOnlyList<Run<TStatus>> runs, DateTimeOffset stale, Func<long, string> lease, Func<Run<TStatus>, Task> enqueue, CancellationToken cancellationToken)
    {
        var live = await AdvisoryLock.HeldAsync(sql, [.. runs.Select(r => lease(r.Id))], cancellationToken);
        var enqueued = 0;
        foreach (var run in runs)
        {
            var staleRunning = run.Running && (run.HeartbeatAt is null || run.HeartbeatAt < stale);
            if (live.Contains(lease(run.Id)) || (!staleRunning && WillRun(run.HangfireJobId)))
            {
                continue;
            }

            await enqueue(run);
            enqueued++;
        }

        return enqueued;
    }

    /// <summary>Whether Hangfire has the job and will run it (or runs it, or ran it in a process that died).</summary>
    private bool WillRun(string? jobId)
    {
        if (jobId is null)
        {
            return false;
        }

        using var hangfire = storage.GetConnection();
        var state = hangfire.GetStateData(jobId)?.Name;
        return state is not null && LiveStates.Contains(state);
    }

    /// <summary>A purge run, scan run or export that should be in progress, as the dispatcher reads it.</summary>
    private sealed record Run<TStatus>(long Id, TStatus Status, bool Running, string? HangfireJobId, DateTimeOffset? HeartbeatAt);

    [LoggerMessage(LogLevel.Warning, "Purge run {RunId} ({Status}) had no live job (was {OldJobId}); enqueued job {JobId}")]
    private static partial void LogPurgeEnqueued(ILogger logger, long runId, PurgeStatus status, string? oldJobId, string jobId);

    [LoggerMessage(LogLevel.Warning, "Export {ExportId} ({Status}) had no live job (was {OldJobId}); enqueued job {JobId}")]
    private static partial void LogExportEnqueued(ILogger logger, long exportId, ExportStatus status, string? oldJobId, string jobId);

    [LoggerMessage(LogLevel.Warning, "Scan run {RunId} ({Status}) had no live job (was {OldJobId}); enqueued job {JobId}")]
    private static partial void LogScanEnqueued(ILogger logger, long runId, ScanStatus status, string? oldJobId, string jobId);
}

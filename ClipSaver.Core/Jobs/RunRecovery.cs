using System.Linq.Expressions;
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
public sealed record RecoveryResult(bool Skipped, int PurgesEnqueued, int ScansEnqueued, int ScansEnded, int TemporaryFilesDeleted = 0, int ExportsEnqueued = 0, int ExportsRebuilt = 0);

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

        var purgesEnqueued = await RequeueAsync(
            sql, stale, RunLeases.Purge, "Purge run", db.PurgeRuns.Where(p => p.Status == PurgeStatus.Scheduled || p.Status == PurgeStatus.Running),
            PurgeStatus.Running, p => p.Status == PurgeStatus.Running || p.NotBefore <= due, id => jobs.Enqueue<PurgeJob>(j => j.RunAsync(id, CancellationToken.None)), cancellationToken);

        // A running scan that was asked to stop and whose process died ends here; nobody else would end it.
        var scansEnded = await Scans.EndAbandonedAsync(
            db, connection.ConnectionString, db.ScanRuns.Where(r => r.Status == ScanStatus.Running && r.StopRequestedAt != null), "Stopped on request.", now, cancellationToken);

        var scansEnqueued = await RequeueAsync(
            sql, stale, RunLeases.Scan, "Scan run", db.ScanRuns.Where(r => r.Status == ScanStatus.Queued || r.Status == ScanStatus.Running),
            ScanStatus.Running, r => r.Status == ScanStatus.Running || r.CreatedAt <= due, id => jobs.Enqueue<ScanJob>(j => j.RunAsync(id, CancellationToken.None)), cancellationToken);
        // Export parts that a machine that went down since never put on the disk are built again (decision 031).
        var exportsRebuilt = await Exports.UnsyncedParts.RecoverAsync(db, clipStorage, connection.ConnectionString, due, cancellationToken);
        var exportsEnqueued = await RequeueAsync(
            sql, stale, RunLeases.Export, "Export", db.Exports.Where(x => x.Status == ExportStatus.Queued || x.Status == ExportStatus.Running),
            ExportStatus.Running, x => x.Status == ExportStatus.Running || x.CreatedAt <= due, id => jobs.Enqueue<Exports.ExportJob>(j => j.RunAsync(id, CancellationToken.None)), cancellationToken);

        // Half-written files of downloads that died with their process.
        var temporary = await clipStorage.DeleteAbandonedTemporaryFilesAsync(settings.TemporaryFilesAfter, cancellationToken);
        return new RecoveryResult(false, purgesEnqueued, scansEnqueued, scansEnded, temporary, exportsEnqueued, exportsRebuilt);
    }

    /// <summary>
    /// Gives a new job to each of the <paramref name="pending"/> runs (those waiting or running) that is
    /// <paramref name="due"/>, that no job holds (its lease is free) and whose Hangfire job will not run; a running run
    /// that showed no sign of life since <paramref name="stale"/> gets one whatever Hangfire says. The new job's id is
    /// recorded on the run while it is still pending. Returns how many.
    /// </summary>
    private async Task<int> RequeueAsync<TRun, TStatus>(
        NpgsqlConnection sql,
        DateTimeOffset stale,
        Func<long, string> lease,
        string kind,
        IQueryable<TRun> pending,
        TStatus running,
        Expression<Func<TRun, bool>> due,
        Func<long, string> enqueue,
        CancellationToken cancellationToken)
        where TRun : class, IJobRun<TStatus>
        where TStatus : struct, Enum
    {
        var runs = await pending.AsNoTracking().Where(due).OrderBy(r => r.Id)
            .Select(r => new { r.Id, r.Status, r.HangfireJobId, r.HeartbeatAt })
            .ToListAsync(cancellationToken);
        var live = await AdvisoryLock.HeldAsync(sql, [.. runs.Select(r => lease(r.Id))], cancellationToken);
        var enqueued = 0;
        foreach (var run in runs)
        {
            var staleRunning = EqualityComparer<TStatus>.Default.Equals(run.Status, running) && (run.HeartbeatAt is null || run.HeartbeatAt < stale);
            if (live.Contains(lease(run.Id)) || (!staleRunning && WillRun(run.HangfireJobId)))
            {
                continue;
            }

            var jobId = enqueue(run.Id);
            await pending.Where(r => r.Id == run.Id).ExecuteUpdateAsync(s => s.SetProperty(r => r.HangfireJobId, jobId), cancellationToken);
            LogEnqueued(logger, kind, run.Id, run.Status, run.HangfireJobId, jobId);
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

    [LoggerMessage(LogLevel.Warning, "{Kind} {RunId} ({Status}) had no live job (was {OldJobId}); enqueued job {JobId}")]
    private static partial void LogEnqueued(ILogger logger, string kind, long runId, Enum status, string? oldJobId, string jobId);
}

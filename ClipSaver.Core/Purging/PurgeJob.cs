using System.Text.Json.Nodes;

namespace ClipSaver.Core.Purging;

/// <summary>
/// Runs one purge: takes the run's lease, marks it running, then goes through its steps (<see cref="PurgeSteps"/>):
/// stop the scope's scans, delete its rows, delete its files, remove the guild (a guild purge), verify, and completes
/// the run with its report (<see cref="PurgeReport"/>). A crash at any point followed by a retry, or two copies at
/// once, end in the same state and report (docs/decisions/006-purge-fence.md, 015-crash-recovery.md).
/// </summary>
public sealed partial class PurgeJob(
    ClipSaverDbContext db,
    ClipSaverConnection connection,
    PurgeSteps steps,
    AuthorPurgeSteps authorSteps,
    NarrowPurgeSteps narrowSteps,
    IPurgeObserver observer,
    IBackgroundJobClient jobs,
    TimeProvider clock,
    ILogger<PurgeJob> logger)
{
    /// <summary>A job picked up this much before its start time waits instead of scheduling a new job.</summary>
    private static readonly TimeSpan EarlyStartTolerance = TimeSpan.FromSeconds(5);

    /// <summary>Kept for jobs enqueued before the job took its run id alone; the run's row has the rest.</summary>
    [Queue(JobQueues.Purge)]
    [AutomaticRetry(Attempts = 5, DelaysInSeconds = [10, 30, 60, 300, 900], OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    [JobDisplayName("Purge run {0}")]
    public Task RunAsync(long purgeRunId, long guildId, PurgeScope scope, long? channelId, CancellationToken cancellationToken) =>
        RunAsync(purgeRunId, cancellationToken);

    [Queue(JobQueues.Purge)]
    [AutomaticRetry(Attempts = 5, DelaysInSeconds = [10, 30, 60, 300, 900], OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    [JobDisplayName("Purge run {0}")]
    public async Task RunAsync(long purgeRunId, CancellationToken cancellationToken)
    {
        var run = await db.PurgeRuns.AsNoTracking().FirstOrDefaultAsync(p => p.Id == purgeRunId, cancellationToken);
        if (run is null || run.Status is PurgeStatus.Completed or PurgeStatus.Cancelled)
        {
            LogNothingToDo(logger, purgeRunId, run?.Status);
            return;
        }

        var early = run.NotBefore - clock.GetUtcNow();
        if (early > EarlyStartTolerance)
        {
            // Started early (an operator pressed "trigger"): keep the undo window, and let the run name the new job.
            var next = jobs.Schedule<PurgeJob>(j => j.RunAsync(purgeRunId, CancellationToken.None), run.NotBefore);
            await db.PurgeRuns.Where(p => p.Id == purgeRunId && p.Status == PurgeStatus.Scheduled)
                .ExecuteUpdateAsync(s => s.SetProperty(p => p.HangfireJobId, next), cancellationToken);
            return;
        }

        if (early > TimeSpan.Zero)
        {
            // Hangfire's schedule keeps whole seconds, so a job can come a moment before its time: it waits for it.
            await Task.Delay(early, cancellationToken);
        }

        // One live job per run: a second copy (a retry, a re-fetched job, the recovery dispatcher's) leaves here.
        await using var lease = await AdvisoryLock.TryAcquireAsync(connection.ConnectionString, RunLeases.Purge(purgeRunId), cancellationToken);
        if (lease is null)
        {
            LogLeaseHeld(logger, purgeRunId);
            return;
        }

        if (!await ClaimAsync(purgeRunId, cancellationToken))
        {
            return; // cancelled at the last moment
        }

        var channels = run.Scope == PurgeScope.Channel ? await PurgeScopes.ChannelIdsAsync(db, run.GuildId, run.ChannelId!.Value, cancellationToken) : [];
        var target = new PurgeTarget(run, channels, lease, new PurgeProgress(db, purgeRunId));
        var total = Stopwatch.StartNew();
        try
        {
            if (run.Scope == PurgeScope.Author)
            {
                // A member's own clips: no scans stop and nothing is fenced off; the deletes are the writers' own.
                await StepAsync(target, "deleting_rows", authorSteps.DeleteAuthorClipsAsync, cancellationToken);
                await StepAsync(target, "verifying", authorSteps.VerifyAuthorAsync, cancellationToken);
            }
            else if (target.Filter.IsNarrow)
            {
                // Older clips or failed downloads: behind the same fence, only the matching clips go.
                await StepAsync(target, "stopping_scans", steps.StopScansAsync, cancellationToken);
                await StepAsync(target, "deleting_clips", narrowSteps.DeleteMatchingAsync, cancellationToken);
                await StepAsync(target, "verifying", narrowSteps.VerifyMatchingAsync, cancellationToken);
            }
            else
            {
                await StepAsync(target, "stopping_scans", steps.StopScansAsync, cancellationToken);
                await StepAsync(target, "deleting_rows", steps.DeleteRowsAsync, cancellationToken);
                await StepAsync(target, "deleting_files", steps.DeleteFilesAsync, cancellationToken);
                if (run.Scope == PurgeScope.Guild)
                {
                    await StepAsync(target, "removing_guild", steps.RemoveGuildAsync, cancellationToken);
                }

                await StepAsync(target, "verifying", steps.VerifyAsync, cancellationToken);
            }

            await CompleteAsync(run, cancellationToken);
            LogCompleted(logger, purgeRunId, total.Elapsed.TotalMilliseconds);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await db.PurgeRuns.Where(p => p.Id == purgeRunId).ExecuteUpdateAsync(
                s => s.SetProperty(p => p.Status, PurgeStatus.Failed).SetProperty(p => p.Error, e.Message).SetProperty(p => p.FinishedAt, clock.GetUtcNow()),
                CancellationToken.None);
            LogFailed(logger, e, purgeRunId);
            throw;
        }
    }

    /// <summary>Scheduled → running, recording this job as the run's. A retry of a half-done run (running or failed) carries on.</summary>
    private async Task<bool> ClaimAsync(long runId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var jobId = CurrentJob.Id;
        await db.PurgeRuns.Where(p => p.Id == runId && p.Status != PurgeStatus.Completed && p.Status != PurgeStatus.Cancelled)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.Status, PurgeStatus.Running)
                .SetProperty(p => p.StartedAt, p => p.StartedAt ?? now)
                .SetProperty(p => p.HeartbeatAt, now)
                .SetProperty(p => p.HangfireJobId, p => jobId ?? p.HangfireJobId)
                .SetProperty(p => p.Error, (string?)null), cancellationToken);
        return await db.PurgeRuns.Where(p => p.Id == runId).Select(p => p.Status).FirstAsync(cancellationToken) == PurgeStatus.Running;
    }

    private async Task StepAsync(PurgeTarget target, string step, Func<PurgeTarget, CancellationToken, Task> work, CancellationToken cancellationToken)
    {
        await db.PurgeRuns.Where(p => p.Id == target.RunId).ExecuteUpdateAsync(
            s => s.SetProperty(p => p.Step, step).SetProperty(p => p.HeartbeatAt, clock.GetUtcNow()), cancellationToken);
        var watch = Stopwatch.StartNew();
        await work(target, cancellationToken);
        await target.Progress.AddTimingAsync(step, watch.Elapsed, cancellationToken);
        await observer.StepDoneAsync(target.RunId, step, watch.Elapsed, cancellationToken);
    }

    /// <summary>Running → completed, the progress becoming the report, and the audit event: once, whichever copy gets there first.</summary>
    private async Task CompleteAsync(PurgeRun run, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
        var completed = await db.PurgeRuns.Where(p => p.Id == run.Id && p.Status == PurgeStatus.Running).ExecuteUpdateAsync(
            s => s.SetProperty(p => p.Status, PurgeStatus.Completed)
                .SetProperty(p => p.Step, "completed")
                .SetProperty(p => p.FinishedAt, now)
                .SetProperty(p => p.ReportJson, p => p.ProgressJson), cancellationToken);
        if (completed == 1)
        {
            var json = await db.PurgeRuns.Where(p => p.Id == run.Id).Select(p => p.ReportJson).FirstAsync(cancellationToken);
            var channelName = run.ChannelId is null ? null : await db.Channels.Where(c => c.Id == run.ChannelId).Select(c => c.Name).FirstOrDefaultAsync(cancellationToken);
            var report = PurgeReport.Parse(json);
            if (run.Scope == PurgeScope.Author)
            {
                AuditAuthorDeletion(run, report, now);
                await db.SaveChangesAsync(cancellationToken);
                await tx.CommitAsync(cancellationToken);
                return;
            }

            db.AuditEvents.Add(new AuditEvent
            {
                GuildId = run.GuildId,
                ActorUserId = run.RequestedBy,
                Action = "purge.completed",
                Summary = $"{PurgeScopes.Describe(run.Scope, channelName, PurgeFilter.Of(run))} completed: {Display.Count(report.ClipsDeleted, "clip")}, {Display.Count(report.FilesDeleted, "file")} ({Display.Bytes(report.BytesDeleted)}) deleted.",
                DataJson = JsonSerializer.Serialize(new { purge_run_id = run.Id, scope = SnakeCaseNames.ToText(run.Scope), channel_id = run.ChannelId, older_than = run.OlderThan, failed_only = run.FailedOnly, report = JsonNode.Parse(json ?? "{}") }),
                CreatedAt = now,
            });
            await db.SaveChangesAsync(cancellationToken);
        }

        await tx.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// The guild's owner learns that a member deleted what they had posted, and how much, never who; the member's own
    /// record (no guild) names them.
    /// </summary>
    private void AuditAuthorDeletion(PurgeRun run, PurgeReport report, DateTimeOffset now)
    {
        var data = JsonSerializer.Serialize(new { purge_run_id = run.Id, scope = SnakeCaseNames.ToText(run.Scope), clips = report.ClipsDeleted, files = report.FilesDeleted, bytes = report.BytesDeleted });
        db.AuditEvents.Add(new AuditEvent
        {
            GuildId = run.GuildId,
            Action = "member.clips_deleted",
            Summary = $"A member deleted {Display.Count(report.ClipsDeleted, "clip")} they had posted.",
            DataJson = data,
            CreatedAt = now,
        });
        db.AuditEvents.Add(new AuditEvent
        {
            ActorUserId = run.AuthorId,
            Action = "me.clips_deleted",
            Summary = $"Deleted {Display.Count(report.ClipsDeleted, "clip")} I had posted ({Display.Count(report.FilesDeleted, "file")}, {Display.Bytes(report.BytesDeleted)}) in server {run.GuildId}.",
            DataJson = data,
            CreatedAt = now,
        });
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Purge run {RunId}: another job holds the run's lease; this copy leaves")]
    private static partial void LogLeaseHeld(ILogger logger, long runId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Purge run {RunId}: nothing to do ({Status})")]
    private static partial void LogNothingToDo(ILogger logger, long runId, PurgeStatus? status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Purge run {RunId} completed in {ElapsedMs:0} ms")]
    private static partial void LogCompleted(ILogger logger, long runId, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "Purge run {RunId} failed; Hangfire will retry it")]
    private static partial void LogFailed(ILogger logger, Exception exception, long runId);
}

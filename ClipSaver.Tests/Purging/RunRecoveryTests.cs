using Hangfire.States;

namespace ClipSaver.Tests.Purging;

/// <summary>
/// The recovery dispatcher and the run leases: a run left behind by a crash at any point gets exactly one new job and
/// ends as an uncrashed run would (docs/decisions/015-crash-recovery.md).
/// </summary>
public class RunRecoveryTests : PurgeFixture
{
    private readonly RecoveryOptions _recovery = new() { Grace = TimeSpan.FromSeconds(30), StaleAfter = TimeSpan.FromMinutes(2) };

    private RunRecovery Recovery(ClipSaverDbContext context) =>
        new(context, new ClipSaverConnection(Db.ConnectionString), Storage, TestJobs.Client(JobStorage), JobStorage, new StaticMonitor<RecoveryOptions>(_recovery), Clock, NullLogger<RunRecovery>.Instance);

    private async Task<RecoveryResult> RecoverAsync()
    {
        await using var context = Db.CreateContext();
        return await Recovery(context).RunAsync(CancellationToken.None);
    }

    private string? JobState(string? jobId)
    {
        using var connection = JobStorage.GetConnection();
        return jobId is null ? null : connection.GetStateData(jobId)?.Name;
    }

    private async Task<PurgeRun> RequestAsync(PurgeScope scope, long channelId)
    {
        await using var context = Db.CreateContext();
        var name = await context.Channels.Where(c => c.Id == channelId).Select(c => c.Name).FirstAsync();
        return Assert.IsType<PurgeResult.Accepted>(
            await Request(context).RunAsync(OwnerActor, GuildId, scope, channelId, PurgeScopes.Phrase(scope, name), CancellationToken.None)).Run;
    }

    private async Task<PurgeRun> StoredAsync(long id)
    {
        await using var context = Db.CreateContext();
        return await context.PurgeRuns.AsNoTracking().SingleAsync(p => p.Id == id);
    }

    [Fact]
    public async Task A_purge_whose_job_was_lost_gets_one_new_job_and_completes_with_exact_counts()
    {
        var run = await RequestDueAsync(PurgeScope.AllChannels);
        // The crash came between the run's commit and its job's schedule: no job exists.
        TestJobs.Client(JobStorage).Delete(run.HangfireJobId);
        await using (var context = Db.CreateContext())
        {
            await context.PurgeRuns.Where(p => p.Id == run.Id).ExecuteUpdateAsync(s => s.SetProperty(p => p.HangfireJobId, (string?)null));
        }

        Assert.Equal(0, (await RecoverAsync()).PurgesEnqueued); // inside the grace after its start time: left alone
        Clock.Advance(_recovery.Grace);
        var first = await RecoverAsync();
        var second = await RecoverAsync();

        Assert.Equal(1, first.PurgesEnqueued);
        Assert.Equal(0, second.PurgesEnqueued); // its new job is enqueued: nothing more to do
        var stored = await StoredAsync(run.Id);
        Assert.Equal(EnqueuedState.StateName, JobState(stored.HangfireJobId));

        await RunJobAsync(stored);

        stored = await StoredAsync(run.Id);
        Assert.Equal(PurgeStatus.Completed, stored.Status);
        Assert.Equal(34, PurgeReport.Parse(stored.ReportJson).ClipsDeleted);
        Assert.Equal(0, (await RecoverAsync()).PurgesEnqueued);
    }

    [Fact]
    public async Task A_purge_killed_between_two_batches_is_taken_up_again_and_ends_as_an_uncrashed_run()
    {
        await using (var context = Db.CreateContext())
        {
            await SeedChannelAsync(context, GuildId, ChannelB, 200);
        }

        var otherGuild = await SnapshotAsync(OtherGuildId);
        var run = await RequestDueAsync(PurgeScope.AllChannels);
        var batches = 0;

        // A kill runs no catch block: the run stays "running" with half its clips gone, and its lease goes with the
        // process (here: with the job's lock connection, closed as the job unwinds).
        await Assert.ThrowsAsync<ProcessKilledException>(() =>
            RunJobAsync(run, afterClipBatch: () => ++batches == 2 ? throw new ProcessKilledException() : Task.CompletedTask));
        var killed = await StoredAsync(run.Id);
        Assert.Equal(PurgeStatus.Running, killed.Status);
        TestJobs.Client(JobStorage).Delete(killed.HangfireJobId); // and its job is gone

        var recovered = await RecoverAsync();

        Assert.Equal(1, recovered.PurgesEnqueued);
        await RunJobAsync(await StoredAsync(run.Id));
        var stored = await StoredAsync(run.Id);
        Assert.Equal(PurgeStatus.Completed, stored.Status);
        var report = PurgeReport.Parse(stored.ReportJson);
        Assert.Equal(234, report.ClipsDeleted);
        Assert.Equal(234, report.FilesDeleted);
        Assert.True(report.VerificationOk);
        Assert.Equal(otherGuild, await SnapshotAsync(OtherGuildId));
    }

    [Fact]
    public async Task A_purge_killed_in_the_middle_of_its_file_deletes_reports_every_file_that_was_there()
    {
        var run = await RequestDueAsync(PurgeScope.Channel, ChannelA);
        var storage = new KillingStorage(Storage, killAfterDeletes: 10);

        // The kill comes after 10 of the channel's 23 files are gone.
        await Assert.ThrowsAsync<ProcessKilledException>(() => RunJobAsync(run, storage: storage));
        Assert.Equal(13, await Storage.ListAsync(Core.Storage.ClipStorageKeys.ChannelPrefix(GuildId, ChannelA), CancellationToken.None).CountAsync());

        await RunJobAsync(run);

        var report = PurgeReport.Parse((await StoredAsync(run.Id)).ReportJson);
        Assert.Equal(23, report.FilesDeleted);
        Assert.Equal(Enumerable.Range(0, 23).Sum(i => 100L + i), report.BytesDeleted);
        Assert.True(report.VerificationOk);
    }

    [Fact]
    public async Task A_run_that_a_live_job_holds_or_that_Hangfire_will_still_run_gets_no_second_job()
    {
        // Scheduled and past its start, with its job still scheduled in Hangfire: Hangfire will run it.
        var scheduled = await RequestDueAsync(PurgeScope.Channel, ChannelA);
        Clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(ScheduledState.StateName, JobState(scheduled.HangfireJobId));
        Assert.Equal(0, (await RecoverAsync()).PurgesEnqueued);

        // Running with a stale heartbeat and no job, but a live job holds its lease (a long step, a slow batch).
        TestJobs.Client(JobStorage).Delete(scheduled.HangfireJobId);
        await using (var context = Db.CreateContext())
        {
            await context.PurgeRuns.Where(p => p.Id == scheduled.Id).ExecuteUpdateAsync(s => s
                .SetProperty(p => p.Status, PurgeStatus.Running).SetProperty(p => p.HeartbeatAt, Clock.GetUtcNow().AddHours(-1)));
        }

        await using (var lease = await AdvisoryLock.TryAcquireAsync(Db.ConnectionString, RunLeases.Purge(scheduled.Id), CancellationToken.None))
        {
            Assert.NotNull(lease);
            Assert.Equal(0, (await RecoverAsync()).PurgesEnqueued);
        }

        // The holder is gone: now it needs a job.
        Assert.Equal(1, (await RecoverAsync()).PurgesEnqueued);
    }

    [Fact]
    public async Task Two_dispatchers_at_once_give_a_lost_run_one_job()
    {
        var run = await RequestDueAsync(PurgeScope.AllChannels);
        TestJobs.Client(JobStorage).Delete(run.HangfireJobId);
        Clock.Advance(_recovery.Grace);

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(RecoverAsync)));

        Assert.Equal(1, results.Sum(r => r.PurgesEnqueued));
    }

    [Fact]
    public async Task A_second_copy_of_a_purge_job_leaves_while_the_first_holds_the_lease()
    {
        var run = await RequestDueAsync(PurgeScope.AllChannels);
        var before = await SnapshotAsync(GuildId);

        await using (var lease = await AdvisoryLock.TryAcquireAsync(Db.ConnectionString, RunLeases.Purge(run.Id), CancellationToken.None))
        {
            Assert.NotNull(lease);
            await RunJobAsync(run);
            Assert.Equal(before, await SnapshotAsync(GuildId));
            Assert.Equal(PurgeStatus.Scheduled, (await StoredAsync(run.Id)).Status);
        }

        await RunJobAsync(run);
        Assert.Equal(PurgeStatus.Completed, (await StoredAsync(run.Id)).Status);
    }

    [Fact]
    public async Task A_job_that_comes_a_moment_early_waits_and_keeps_its_job_id_and_an_early_trigger_reschedules_and_records_the_new_job()
    {
        // Hangfire's schedule keeps whole seconds: the job may arrive a fraction before not_before.
        var run = await RequestAsync(PurgeScope.Channel, ChannelA);
        var scheduledJob = run.HangfireJobId;
        Clock.Advance(Options.UndoWindow - TimeSpan.FromMilliseconds(400));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await RunJobAsync(run);

        var stored = await StoredAsync(run.Id);
        Assert.Equal(PurgeStatus.Completed, stored.Status);
        Assert.Equal(scheduledJob, stored.HangfireJobId);
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(350), "the job should have waited for its start time");

        // An operator's "trigger" long before the start: a new job at the start time, and the run names it.
        var second = await RequestAsync(PurgeScope.Channel, ChannelB);
        Clock.Advance(Options.UndoWindow - TimeSpan.FromMinutes(1));
        await RunJobAsync(second);

        var rescheduled = await StoredAsync(second.Id);
        Assert.Equal(PurgeStatus.Scheduled, rescheduled.Status);
        Assert.NotEqual(second.HangfireJobId, rescheduled.HangfireJobId);
        Assert.Equal(ScheduledState.StateName, JobState(rescheduled.HangfireJobId));
    }

    [Fact]
    public async Task A_purge_whose_database_connections_all_drop_fails_that_attempt_and_its_retry_completes_with_exact_counts()
    {
        await using (var context = Db.CreateContext())
        {
            await SeedChannelAsync(context, GuildId, ChannelB, 100);
        }

        var run = await RequestDueAsync(PurgeScope.AllChannels);
        var batches = 0;

        // As a database restart looks to the app: every session of the database ends at once, the lease's too.
        var attempt = RunJobAsync(run, afterClipBatch: async () =>
        {
            if (++batches == 2)
            {
                await using var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(Db.ConnectionString) { Pooling = false }.ConnectionString);
                await admin.OpenAsync();
                await using var kill = new NpgsqlCommand("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()", admin);
                Assert.True((long)(await kill.ExecuteScalarAsync())! >= 2);
            }
        });
        await Assert.ThrowsAnyAsync<Exception>(() => attempt);
        NpgsqlConnection.ClearAllPools();

        await RunJobAsync(run); // Hangfire's retry

        var stored = await StoredAsync(run.Id);
        Assert.Equal(PurgeStatus.Completed, stored.Status);
        var report = PurgeReport.Parse(stored.ReportJson);
        Assert.Equal(134, report.ClipsDeleted);
        Assert.True(report.VerificationOk);
    }

    [Fact]
    public async Task A_scan_whose_job_was_lost_is_enqueued_and_a_dead_scan_asked_to_stop_is_ended()
    {
        long lost, waiting, stopped, alive;
        var client = TestJobs.Client(JobStorage);
        await using (var context = Db.CreateContext())
        {
            var lostRun = TestData.ScanRun(GuildId, ChannelA, ScanStatus.Queued, null); // committed, then the crash: no job
            lostRun.CreatedAt = Clock.GetUtcNow();
            var waitingRun = TestData.ScanRun(GuildId, ChannelB, ScanStatus.Queued, null); // its job waits for a worker
            waitingRun.CreatedAt = Clock.GetUtcNow();
            var stoppedRun = TestData.ScanRun(OtherGuildId, ChannelC, ScanStatus.Running, null); // asked to stop, then killed
            stoppedRun.StopRequestedAt = Clock.GetUtcNow();
            stoppedRun.HeartbeatAt = Clock.GetUtcNow();
            context.ScanRuns.AddRange(lostRun, waitingRun, stoppedRun);
            await context.SaveChangesAsync();
            (lost, waiting, stopped) = (lostRun.Id, waitingRun.Id, stoppedRun.Id);
            var waitingJob = client.Enqueue<Core.Scanning.ScanJob>(j => j.RunAsync(waiting, CancellationToken.None));
            await context.ScanRuns.Where(r => r.Id == waiting).ExecuteUpdateAsync(s => s.SetProperty(r => r.HangfireJobId, waitingJob));
        }

        // A running scan with a live job: untouched even though its heartbeat is old.
        await using (var context = Db.CreateContext())
        {
            var aliveRun = TestData.ScanRun(GuildId, ChannelB, ScanStatus.Running, null);
            aliveRun.HeartbeatAt = Clock.GetUtcNow().AddHours(-1);
            context.ScanRuns.Add(aliveRun);
            await context.SaveChangesAsync();
            alive = aliveRun.Id;
        }

        Clock.Advance(_recovery.Grace);
        await using var aliveLease = await AdvisoryLock.TryAcquireAsync(Db.ConnectionString, RunLeases.Scan(alive), CancellationToken.None);

        var result = await RecoverAsync();

        Assert.Equal(1, result.ScansEnqueued);
        Assert.Equal(1, result.ScansEnded);
        await using var check = Db.CreateContext();
        var lostAfter = await check.ScanRuns.AsNoTracking().SingleAsync(r => r.Id == lost);
        Assert.Equal(EnqueuedState.StateName, JobState(lostAfter.HangfireJobId));
        var stoppedAfter = await check.ScanRuns.AsNoTracking().SingleAsync(r => r.Id == stopped);
        Assert.Equal(ScanStatus.Cancelled, stoppedAfter.Status);
        Assert.Equal(0, (await RecoverAsync()).ScansEnqueued);
    }

    /// <summary>Stands for a kill -9: no catch block of the job handles it.</summary>
    private sealed class ProcessKilledException : OperationCanceledException;

    /// <summary>The clip folder, with the process killed after a number of single-file deletes.</summary>
    private sealed class KillingStorage(Core.Storage.IClipStorage inner, int killAfterDeletes) : Core.Storage.IClipStorage
    {
        private int _deletes;

        public Task<Core.Storage.StoredFile> PutAsync(string key, Stream content, long maxBytes, CancellationToken cancellationToken) => inner.PutAsync(key, content, maxBytes, cancellationToken);

        public Task<long> PutWithoutChecksumAsync(string key, System.IO.Pipelines.PipeReader content, long maxBytes, CancellationToken cancellationToken) => inner.PutWithoutChecksumAsync(key, content, maxBytes, cancellationToken);

        public Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken) => inner.OpenReadAsync(key, cancellationToken);

        public Task<Stream?> OpenSequentialReadAsync(string key, CancellationToken cancellationToken) => inner.OpenSequentialReadAsync(key, cancellationToken);

        public Task<Core.Storage.StoredObject?> GetInfoAsync(string key, CancellationToken cancellationToken) => inner.GetInfoAsync(key, cancellationToken);

        public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken) =>
            ++_deletes > killAfterDeletes ? throw new ProcessKilledException() : inner.DeleteAsync(key, cancellationToken);

        public IAsyncEnumerable<Core.Storage.StoredObject> ListAsync(string prefix, CancellationToken cancellationToken) => inner.ListAsync(prefix, cancellationToken);

        public async Task<(long Files, long Bytes)> DeleteByPrefixAsync(string prefix, CancellationToken cancellationToken)
        {
            long files = 0, bytes = 0;
            await foreach (var file in inner.ListAsync(prefix, cancellationToken))
            {
                await DeleteAsync(file.Key, cancellationToken);
                (files, bytes) = (files + 1, bytes + file.SizeBytes);
            }

            return (files, bytes);
        }

        public Task<int> DeleteAbandonedTemporaryFilesAsync(TimeSpan olderThan, CancellationToken cancellationToken) => inner.DeleteAbandonedTemporaryFilesAsync(olderThan, cancellationToken);

        public Task<Core.Storage.StorageHealth> CheckHealthAsync(CancellationToken cancellationToken) => inner.CheckHealthAsync(cancellationToken);
    }
}

namespace ClipSaver.Tests.Maintenance;

public sealed class RetentionPurgeJobTests : DatabaseTestBase
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private long _guildId;
    private long _channelId;
    private readonly string _storageRoot = Path.Combine(Path.GetTempPath(), "clipsaver-retention-" + Guid.NewGuid().ToString("N"));

    private ClipSaver.Core.Storage.LocalFolderClipStorage Storage =>
        new(Options.Create(new ClipSaver.Core.Storage.StorageOptions { Root = _storageRoot }));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (Directory.Exists(_storageRoot))
        {
            Directory.Delete(_storageRoot, recursive: true);
        }
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        (_guildId, _channelId) = await AddGuildWithChannelAsync();
    }

    private RetentionPurgeJob NewJob(ClipSaverDbContext context, int batchSize = 2) => new(
        context,
        new ClipSaverConnection(Db.ConnectionString),
        Storage,
        new StaticMonitor<RetentionOptions>(new RetentionOptions { JobRecordHours = 48, BatchSize = batchSize }),
        Clock,
        NullLogger<RetentionPurgeJob>.Instance);

    [Fact]
    public async Task Finished_records_past_the_window_go_and_queued_or_running_ones_stay_whatever_their_age()
    {
        var old = Now.AddHours(-49);
        var recent = Now.AddHours(-47);
        await using (var context = Db.CreateContext())
        {
            context.ScanRuns.AddRange(
                TestData.ScanRun(_guildId, _channelId, ScanStatus.Completed, old),
                TestData.ScanRun(_guildId, _channelId, ScanStatus.Failed, old),
                TestData.ScanRun(_guildId, _channelId, ScanStatus.Cancelled, old),
                TestData.ScanRun(_guildId, _channelId, ScanStatus.Completed, recent));
            var queued = TestData.ScanRun(_guildId, _channelId, ScanStatus.Queued, null);
            queued.CreatedAt = Now.AddDays(-30);
            context.ScanRuns.Add(queued);
            var running = TestData.ScanRun(_guildId, _channelId, ScanStatus.Running, null);
            running.CreatedAt = Now.AddDays(-30);
            context.ScanRuns.Add(running);
            context.PurgeRuns.AddRange(
                TestData.PurgeRun(_guildId, PurgeStatus.Completed, old),
                TestData.PurgeRun(_guildId, PurgeStatus.Completed, recent),
                TestData.PurgeRun(_guildId, PurgeStatus.Scheduled, null),
                TestData.PurgeRun(_guildId, PurgeStatus.Running, null));
            await context.SaveChangesAsync();
        }

        await using var jobContext = Db.CreateContext();
        var result = await NewJob(jobContext).RunAsync(null, CancellationToken.None);

        Assert.False(result.Skipped);
        Assert.Equal(3, result.ScanRunsDeleted);
        Assert.Equal(1, result.PurgeRunsDeleted);
        await using var check = Db.CreateContext();
        var scans = await check.ScanRuns.Select(r => r.Status).OrderBy(s => s).ToListAsync();
        Assert.Equal([ScanStatus.Queued, ScanStatus.Running, ScanStatus.Completed], scans.OrderBy(s => (int)s).ToList());
        var purges = await check.PurgeRuns.Select(r => r.Status).ToListAsync();
        Assert.Equal(3, purges.Count);
        Assert.Contains(PurgeStatus.Scheduled, purges);
        Assert.Contains(PurgeStatus.Running, purges);
        // The activity line reads as a person reads it: counts with their nouns, the page's time format.
        var summary = await check.AuditEvents.Where(a => a.Action == RetentionPurgeJob.AuditAction).Select(a => a.Summary).SingleAsync();
        Assert.Equal($"Retention purge: 3 scan runs, 1 purge run, 0 audit events and 0 expired exports removed (finished before {Core.Display.Time(result.Cutoff)}).", summary);
        Assert.Matches(@"before \d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2} UTC\)", summary);
    }

    [Fact]
    public async Task An_override_of_zero_hours_removes_every_finished_record_for_that_run_only()
    {
        await using (var context = Db.CreateContext())
        {
            context.ScanRuns.AddRange(
                TestData.ScanRun(_guildId, _channelId, ScanStatus.Completed, Now.AddMinutes(-1)),
                TestData.ScanRun(_guildId, _channelId, ScanStatus.Running, null));
            await context.SaveChangesAsync();
        }

        await using var jobContext = Db.CreateContext();
        var result = await NewJob(jobContext).RunAsync(0, CancellationToken.None);

        Assert.Equal(1, result.ScanRunsDeleted);
        await using var check = Db.CreateContext();
        Assert.Equal(ScanStatus.Running, (await check.ScanRuns.SingleAsync()).Status);
    }

    [Fact]
    public async Task A_second_run_while_the_first_holds_the_lock_skips_and_deletes_nothing()
    {
        await using (var context = Db.CreateContext())
        {
            context.ScanRuns.Add(TestData.ScanRun(_guildId, _channelId, ScanStatus.Completed, Now.AddDays(-5)));
            await context.SaveChangesAsync();
        }

        await using (var held = await AdvisoryLock.TryAcquireAsync(Db.ConnectionString, RetentionPurgeJob.RecurringJobId, CancellationToken.None))
        {
            Assert.NotNull(held);
            await using var jobContext = Db.CreateContext();
            var second = await NewJob(jobContext).RunAsync(null, CancellationToken.None);
            Assert.True(second.Skipped);
            await using var check = Db.CreateContext();
            Assert.Equal(1, await check.ScanRuns.CountAsync());
        }

        await using var laterContext = Db.CreateContext();
        var later = await NewJob(laterContext).RunAsync(null, CancellationToken.None);
        Assert.False(later.Skipped);
        Assert.Equal(1, later.ScanRunsDeleted);
    }

    [Fact]
    public async Task Batches_smaller_than_the_backlog_still_remove_all_of_it()
    {
        await using (var context = Db.CreateContext())
        {
            for (var i = 0; i < 7; i++)
            {
                context.ScanRuns.Add(TestData.ScanRun(_guildId, _channelId, ScanStatus.Completed, Now.AddDays(-3)));
            }

            await context.SaveChangesAsync();
        }

        await using var jobContext = Db.CreateContext();
        var result = await NewJob(jobContext, batchSize: 3).RunAsync(null, CancellationToken.None);

        Assert.Equal(7, result.ScanRunsDeleted);
    }

    [Fact]
    public async Task An_export_past_its_download_window_goes_with_its_files_and_a_current_one_stays()
    {
        long expired, current;
        await using (var context = Db.CreateContext())
        {
            var old = new Export { UserId = 1, Status = ExportStatus.Completed, CreatedAt = Now.AddDays(-2), ExpiresAt = Now.AddMinutes(-1) };
            var fresh = new Export { UserId = 2, Status = ExportStatus.Completed, CreatedAt = Now.AddHours(-1), ExpiresAt = Now.AddHours(23) };
            context.Exports.AddRange(old, fresh);
            await context.SaveChangesAsync();
            (expired, current) = (old.Id, fresh.Id);
            foreach (var id in new[] { expired, current })
            {
                var key = ClipSaver.Core.Exports.ExportKeys.Part(id, 1);
                var stored = await Storage.PutAsync(key, new MemoryStream([1, 2, 3]), 100, CancellationToken.None);
                context.ExportParts.Add(new ExportPart { ExportId = id, Number = 1, StorageKey = key, SizeBytes = stored.SizeBytes, Clips = 1, LastClipId = 1, CreatedAt = Now });
            }

            await context.SaveChangesAsync();
        }

        await using (var context = Db.CreateContext())
        {
            var result = await NewJob(context).RunAsync(null, CancellationToken.None);
            Assert.Equal(1, result.ExportsDeleted);
        }

        await using (var context = Db.CreateContext())
        {
            Assert.Equal([current], await context.Exports.Select(x => x.Id).ToListAsync());
            Assert.Equal([current], await context.ExportParts.Select(x => x.ExportId).ToListAsync());
        }

        Assert.Null(await Storage.GetInfoAsync(ClipSaver.Core.Exports.ExportKeys.Part(expired, 1), CancellationToken.None));
        Assert.NotNull(await Storage.GetInfoAsync(ClipSaver.Core.Exports.ExportKeys.Part(current, 1), CancellationToken.None));
    }
}

namespace ClipSaver.Tests.Purging;

/// <summary>
/// Scans have Hangfire workers of their own: with every scan worker busy on a long backfill, a purge (of another
/// channel) still starts and finishes at once instead of waiting for a free worker.
/// </summary>
[Collection(BrowserTestsRunAlone.Name)]
public sealed class JobServersTests : AppTestBase
{
    private const int TimeoutSeconds = 60;

    protected override IReadOnlyDictionary<string, string?> Settings =>
        TestJobs.ServerSettings("00:00:00.250", workers: 1, ("ClipSaver:Jobs:ScanWorkerCount", "1"), ("ClipSaver:Purge:UndoWindow", "00:00:00"));

    [Fact]
    public async Task A_purge_runs_while_every_scan_worker_is_busy_with_a_long_scan()
    {
        await ReconcileAsync();
        var guildId = (long)DemoGuild("Clip Club").Id;
        long scanned, purged;
        string purgedName;
        await using (var db = Db.CreateContext())
        {
            var channels = await db.Channels.Where(c => c.GuildId == guildId && c.Type == 0 && !c.IsThread).OrderBy(c => c.Position).Take(2).ToListAsync();
            (scanned, purged, purgedName) = (channels[0].Id, channels[1].Id, channels[1].Name);
        }

        // Every page of messages takes three seconds: the backfill holds the only scan worker for a good while.
        Discord.Faults.Add(new FaultRule("GET /channels/{channel_id}/messages", Delay: TimeSpan.FromSeconds(3)));
        _ = App.Services; // starts the app and its Hangfire servers
        await RunAsync<ChannelArchiving>(a => a.SetAsync(ClipSaver.Core.Access.Actor.System, guildId, scanned, true, CancellationToken.None));
        await EventuallyAsync(db => db.ScanRuns.AnyAsync(r => r.ChannelId == scanned && r.Status == ScanStatus.Running), "the scan to run", TimeoutSeconds);

        PurgeRun? run = null;
        await RunAsync<RequestPurge>(async r => run = Assert.IsType<PurgeResult.Accepted>(
            await r.RunAsync(Actor.User(TestDiscord.Id(DemoUsers.Owner.Id)), guildId, PurgeScope.Channel, purged, purgedName, CancellationToken.None)).Run);
        await EventuallyAsync(db => db.PurgeRuns.AnyAsync(p => p.Id == run!.Id && p.Status == PurgeStatus.Completed), "the purge to complete", TimeoutSeconds);

        await using var after = Db.CreateContext();
        Assert.True(await after.ScanRuns.AnyAsync(r => r.ChannelId == scanned && r.Status == ScanStatus.Running), "the scan should still be running when the purge is done");
    }

    [Fact]
    public async Task Posters_have_a_server_of_their_own_so_exports_and_purges_never_wait_behind_a_thumbnail_backfill()
    {
        // The thumbnail job works for minutes on a backfill; on the shared workers it held one while an owner's export
        // waited in the queue.
        var queue = typeof(ClipSaver.Core.Thumbnails.ThumbnailJob).GetMethod(nameof(ClipSaver.Core.Thumbnails.ThumbnailJob.RunAsync))!
            .GetCustomAttributes(typeof(QueueAttribute), inherit: true).Cast<QueueAttribute>().Single().Queue;
        Assert.Equal(JobQueues.Thumbnails, queue);

        var storage = App.Services.GetRequiredService<JobStorage>();
        _ = App.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().ToList();
        var deadline = DateTime.UtcNow.AddSeconds(TimeoutSeconds);
        IList<Hangfire.Storage.Monitoring.ServerDto> servers;
        while ((servers = storage.GetMonitoringApi().Servers()).Count < 3)
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for the job servers; {servers.Count} registered.");
            await Task.Delay(100);
        }

        var thumbnails = Assert.Single(servers, s => s.Queues.Contains(JobQueues.Thumbnails));
        Assert.Equal([JobQueues.Thumbnails], thumbnails.Queues);
        var jobs = Assert.Single(servers, s => s.Queues.Contains(JobQueues.Purge));
        Assert.Contains(JobQueues.Default, jobs.Queues); // exports
        Assert.DoesNotContain(JobQueues.Scan, jobs.Queues);
    }
}

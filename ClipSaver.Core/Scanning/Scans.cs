namespace ClipSaver.Core.Scanning;

/// <summary>Section <c>ClipSaver:Scans</c>.</summary>
public sealed class ScanOptions
{
    public const string Section = "ClipSaver:Scans";

    /// <summary>How often archived channels get an incremental scan.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 1440)]
    public int IncrementalIntervalMinutes { get; set; } = 10;

    /// <summary>Messages per page (Discord allows 1–100).</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 100)]
    public int PageSize { get; set; } = 100;

    /// <summary>Files of one page downloaded at the same time.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 16)]
    public int ParallelDownloads { get; set; } = 4;

    /// <summary>A running scan whose heartbeat is older than this is taken to be dead and may be taken over.</summary>
    public TimeSpan StaleAfter { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>Starts and stops scans. A scan is a <see cref="ScanRun"/> row plus a Hangfire job that runs <see cref="ScanJob"/>.</summary>
public sealed class Scans(ClipSaverDbContext db, IBackgroundJobClient jobs, TimeProvider clock)
{
    /// <summary>
    /// Queues a scan of the channel unless one is already queued or running (then returns that one's id). The
    /// database enforces one running scan per channel; this keeps the queue from filling with duplicates.
    /// </summary>
    public async Task<long> StartAsync(long guildId, long channelId, ScanKind kind, CancellationToken cancellationToken)
    {
        var pending = await db.ScanRuns.Where(r => r.ChannelId == channelId && (r.Status == ScanStatus.Queued || r.Status == ScanStatus.Running))
            .Select(r => (long?)r.Id).FirstOrDefaultAsync(cancellationToken);
        if (pending is { } id)
        {
            return id;
        }

        var run = new ScanRun { GuildId = guildId, ChannelId = channelId, Kind = kind, Status = ScanStatus.Queued, CreatedAt = clock.GetUtcNow() };
        db.ScanRuns.Add(run);
        await db.SaveChangesAsync(cancellationToken);
        run.HangfireJobId = jobs.Enqueue<ScanJob>(j => j.RunAsync(run.Id, CancellationToken.None));
        await db.ScanRuns.Where(r => r.Id == run.Id).ExecuteUpdateAsync(s => s.SetProperty(r => r.HangfireJobId, run.HangfireJobId), cancellationToken);
        return run.Id;
    }

    public Task<int> StopChannelScansAsync(long channelId, string why, CancellationToken cancellationToken) =>
        StopAsync(db.ScanRuns.Where(r => r.ChannelId == channelId), why, cancellationToken);

    public Task<int> StopGuildScansAsync(long guildId, string why, CancellationToken cancellationToken) =>
        StopAsync(db.ScanRuns.Where(r => r.GuildId == guildId), why, cancellationToken);

    /// <summary>
    /// Ends the running scans among <paramref name="scans"/> that no live job works on (their lease is free: the process
    /// died). Each is ended while holding its lease, so a job that takes it up at the same moment cannot be cut off.
    /// </summary>
    public static async Task<int> EndAbandonedAsync(ClipSaverDbContext db, string connectionString, IQueryable<ScanRun> scans, string why, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var ended = 0;
        foreach (var id in await scans.Where(r => r.Status == ScanStatus.Running).Select(r => r.Id).ToListAsync(cancellationToken))
        {
            await using var lease = await AdvisoryLock.TryAcquireAsync(connectionString, RunLeases.Scan(id), cancellationToken);
            if (lease is not null)
            {
                ended += await db.ScanRuns.Where(r => r.Id == id && r.Status == ScanStatus.Running).ExecuteUpdateAsync(
                    s => s.SetProperty(r => r.Status, ScanStatus.Cancelled).SetProperty(r => r.FinishedAt, now).SetProperty(r => r.Error, why), cancellationToken);
            }
        }

        return ended;
    }

    /// <summary>Queued scans are cancelled and removed from Hangfire; running ones get the stop flag and end within a page.</summary>
    private async Task<int> StopAsync(IQueryable<ScanRun> scans, string why, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        // A failed scan waits for Hangfire's retry: it is stopped too, so that the retry finds nothing to do.
        var queuedJobs = await scans.Where(r => (r.Status == ScanStatus.Queued || r.Status == ScanStatus.Failed) && r.HangfireJobId != null).Select(r => r.HangfireJobId!).ToListAsync(cancellationToken);
        var stopped = await scans.Where(r => r.Status == ScanStatus.Queued || r.Status == ScanStatus.Failed).ExecuteUpdateAsync(
            s => s.SetProperty(r => r.Status, ScanStatus.Cancelled).SetProperty(r => r.FinishedAt, now).SetProperty(r => r.Error, why), cancellationToken);
        stopped += await scans.Where(r => r.Status == ScanStatus.Running && r.StopRequestedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.StopRequestedAt, now), cancellationToken);
        foreach (var id in queuedJobs)
        {
            jobs.Delete(id);
        }

        return stopped;
    }
}

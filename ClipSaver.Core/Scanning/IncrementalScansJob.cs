using Hangfire;

namespace ClipSaver.Core.Scanning;

/// <summary>
/// Starts an incremental scan of every archived channel (and of the threads under an archived channel) of guilds the
/// bot is in. A channel that already has a queued or running scan is left alone, so running twice changes nothing.
/// </summary>
public sealed class IncrementalScansJob(ClipSaverDbContext db, Scans scans)
{
    public const string RecurringJobId = "incremental-scans";

    [Queue(JobQueues.Scan)]
    [AutomaticRetry(Attempts = 0)]
    [JobDisplayName("Start incremental scans")]
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var channels = await db.Channels.AsNoTracking()
            .Where(c => c.DeletedAt == null && db.Guilds.Any(g => g.Id == c.GuildId && g.DeletedAt == null))
            .Where(c => c.IsReading || (c.IsThread && db.Channels.Any(p => p.Id == c.ParentId && p.IsReading)))
            .Where(c => !db.ScanRuns.Any(r => r.ChannelId == c.Id && (r.Status == ScanStatus.Queued || r.Status == ScanStatus.Running)))
            .Select(c => new { c.GuildId, c.Id })
            .ToListAsync(cancellationToken);
        foreach (var c in channels)
        {
            await scans.StartAsync(c.GuildId, c.Id, ScanKind.Incremental, cancellationToken);
        }
    }
}

using ClipSaver.Core.Gateway;

namespace ClipSaver.Core.Scanning;

/// <summary>
/// Starts an incremental scan of every archived channel (and of the threads under an archived channel) of guilds the
/// bot is in. A channel that already has a queued or running scan is left alone, so running twice changes nothing.
/// While a guild's Gateway shard is connected, events bring its messages and its channels are polled only every
/// <see cref="GatewayOptions.ConnectedPollInterval"/>, as a safety net.
/// </summary>
public sealed class IncrementalScansJob(ClipSaverDbContext db, Scans scans, IOptionsMonitor<GatewayOptions> gateway, TimeProvider clock)
{
    public const string RecurringJobId = "incremental-scans";

    [Queue(JobQueues.Scan)]
    [AutomaticRetry(Attempts = 0)]
    [JobDisplayName("Start incremental scans")]
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var live = await GatewayShardRows.ConnectedAsync(db, now, cancellationToken);
        var rarely = now - gateway.CurrentValue.ConnectedPollInterval;
        var channels = await ArchivedChannels(null).Select(c => new { c.GuildId, c.Id, c.LastScanAt }).ToListAsync(cancellationToken);
        foreach (var c in channels.Where(c => !(live.Covers(c.GuildId) && c.LastScanAt > rarely)))
        {
            await scans.StartAsync(c.GuildId, c.Id, ScanKind.Incremental, cancellationToken);
        }
    }

    /// <summary>
    /// Fills the gap after a new Gateway session (or a guild's return from an outage): events sent while nobody was
    /// connected are lost, so the guild's archived channels are read from their cursors now.
    /// </summary>
    public async Task<int> StartForGuildAsync(long guildId, CancellationToken cancellationToken)
    {
        var channels = await ArchivedChannels(guildId).Select(c => c.Id).ToListAsync(cancellationToken);
        foreach (var id in channels)
        {
            await scans.StartAsync(guildId, id, ScanKind.Incremental, cancellationToken);
        }

        return channels.Count;
    }

    private IQueryable<Channel> ArchivedChannels(long? guildId) => db.Channels.AsNoTracking()
        .Where(c => guildId == null || c.GuildId == guildId)
        .Where(c => c.DeletedAt == null && db.Guilds.Any(g => g.Id == c.GuildId && g.DeletedAt == null))
        .Where(c => c.IsReading || (c.IsThread && db.Channels.Any(p => p.Id == c.ParentId && p.IsReading)))
        .Where(c => !db.ScanRuns.Any(r => r.ChannelId == c.Id && (r.Status == ScanStatus.Queued || r.Status == ScanStatus.Running)));
}

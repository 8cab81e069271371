namespace ClipSaver.Core.Gateway;

/// <summary>The shards reported connected in <c>gateway_shards</c> by a live holder (its report is recent).</summary>
public sealed class ConnectedShards(IReadOnlyList<(int ShardId, int ShardCount)> shards)
{
    public IReadOnlyList<(int ShardId, int ShardCount)> Shards { get; } = shards;

    /// <summary>Whether the guild's shard, <c>(guild_id &gt;&gt; 22) % num_shards</c>, is connected.</summary>
    public bool Covers(long guildId) => Shards.Any(s => ShardOf(guildId, s.ShardCount) == s.ShardId);

    public static int ShardOf(long guildId, int shardCount) => (int)(((ulong)guildId >> 22) % (ulong)shardCount);
}

public static class GatewayShardRows
{
    /// <summary>A holder reports every lease check; a row older than this belongs to an instance that is gone.</summary>
    public static readonly TimeSpan FreshFor = TimeSpan.FromSeconds(45);

    public static async Task<ConnectedShards> ConnectedAsync(ClipSaverDbContext db, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var since = now - FreshFor;
        var rows = await db.GatewayShards.AsNoTracking().Where(s => s.State == "connected" && s.UpdatedAt > since)
            .Select(s => new { s.ShardId, s.ShardCount }).ToListAsync(cancellationToken);
        return new ConnectedShards([.. rows.Select(r => (r.ShardId, r.ShardCount))]);
    }

    /// <summary>
    /// Writes a holder's report over each shard's row (created first if missing; the identify may insert it at this
    /// very moment). One UPDATE that never names <c>identified_at</c>: that column is the identify's
    /// (<see cref="ShardLeases"/>), and a report that read the row and wrote it back would put back an older identify
    /// time when an identify was recorded in between, letting the bucket's next identify come too soon.
    /// </summary>
    public static async Task ReportAsync(ClipSaverDbContext db, IReadOnlyList<GatewayShard> rows, CancellationToken cancellationToken)
    {
        foreach (var row in rows)
        {
            await db.Database.ExecuteSqlAsync(
                $"INSERT INTO gateway_shards (shard_id, shard_count, state, guild_count, unavailable_guild_ids, reconnects, recent_reasons, updated_at) VALUES ({row.ShardId}, {row.ShardCount}, {row.State}, 0, '{{}}', 0, '{{}}', {row.UpdatedAt}) ON CONFLICT (shard_id) DO NOTHING",
                cancellationToken);
            await db.GatewayShards.Where(s => s.ShardId == row.ShardId).ExecuteUpdateAsync(s => s
                .SetProperty(x => x.ShardCount, row.ShardCount)
                .SetProperty(x => x.InstanceId, row.InstanceId)
                .SetProperty(x => x.State, row.State)
                .SetProperty(x => x.SessionId, row.SessionId)
                .SetProperty(x => x.Sequence, row.Sequence)
                .SetProperty(x => x.LatencyMs, row.LatencyMs)
                .SetProperty(x => x.LastEventAt, row.LastEventAt)
                .SetProperty(x => x.LastEventName, row.LastEventName)
                .SetProperty(x => x.GuildCount, row.GuildCount)
                .SetProperty(x => x.UnavailableGuildIds, row.UnavailableGuildIds)
                .SetProperty(x => x.Reconnects, row.Reconnects)
                .SetProperty(x => x.RecentReasons, row.RecentReasons)
                .SetProperty(x => x.StoppedReason, row.StoppedReason)
                .SetProperty(x => x.ConnectedSince, row.ConnectedSince)
                .SetProperty(x => x.UpdatedAt, row.UpdatedAt), cancellationToken);
        }
    }
}

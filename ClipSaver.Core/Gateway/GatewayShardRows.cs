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
}

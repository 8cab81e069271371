namespace ClipSaver.DiscordEmulator.Gateway;

/// <summary>How the emulated Gateway behaves: what <c>GET /gateway/bot</c> recommends, the heartbeat, the limits.</summary>
public sealed class GatewaySettings
{
    /// <summary>The shard count <c>GET /gateway/bot</c> recommends.</summary>
    public int Shards { get; set; } = 1;

    /// <summary>Identifies allowed per 5 seconds, one per bucket <c>shard_id % max_concurrency</c>.</summary>
    public int MaxConcurrency { get; set; } = 1;

    /// <summary>How far apart identifies of one bucket must be (Discord: 5 seconds).</summary>
    public TimeSpan IdentifySpacing { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A session with fewer shards than this is closed with 4011 (sharding required). 0: never.</summary>
    public int RequiredShards { get; set; }

    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromMilliseconds(41_250);

    /// <summary>Identifies allowed per day (Discord: 1,000); each identify takes one.</summary>
    public int SessionStartLimit { get; set; } = 1000;

    /// <summary>How long a session without a connection can still be resumed.</summary>
    public TimeSpan ResumeWindow { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>Demo mode: a new clip posted in <see cref="DemoChannelId"/> this often. Null: never.</summary>
    public TimeSpan? DemoClipEvery { get; set; }

    /// <summary>Where demo clips are posted; null picks the first text channel with messages in the first guild the bot is in.</summary>
    public ulong? DemoChannelId { get; set; }
}

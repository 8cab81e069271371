namespace ClipSaver.Core.Data;

/// <summary>
/// A Gateway shard as its holder last reported it (every lease check): read by /admin and health on any instance,
/// and by the incremental scans, which poll a connected shard's guilds rarely. The lease itself is an advisory lock.
/// </summary>
public sealed class GatewayShard
{
    public int ShardId { get; set; }
    public int ShardCount { get; set; }
    public string? InstanceId { get; set; }
    /// <summary><c>connecting</c>, <c>connected</c>, <c>reconnecting</c>, <c>stopped</c> (a close code that must not be retried) or <c>released</c>.</summary>
    public string State { get; set; } = "";
    public string? SessionId { get; set; }
    public int? Sequence { get; set; }
    public int? LatencyMs { get; set; }
    public DateTimeOffset? LastEventAt { get; set; }
    public string? LastEventName { get; set; }
    public int GuildCount { get; set; }
    public long[] UnavailableGuildIds { get; set; } = [];
    public int Reconnects { get; set; }
    /// <summary>The latest reconnect reasons, newest first, each with its time.</summary>
    public string[] RecentReasons { get; set; } = [];
    /// <summary>Why the shard stopped, in words for an operator; null while it runs.</summary>
    public string? StoppedReason { get; set; }
    public DateTimeOffset? ConnectedSince { get; set; }
    /// <summary>The shard's last identify (database time), so that the next identify of its bucket, on any instance, waits 5 seconds after it.</summary>
    public DateTimeOffset? IdentifiedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

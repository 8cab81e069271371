namespace ClipSaver.Core.Gateway;

/// <summary>
/// What one shard on this instance is doing, updated by its connection and its event handling, and written to
/// <c>gateway_shards</c> with every lease check. Thread-safe.
/// </summary>
public sealed class ShardState(int shardId, int shardCount)
{
    private readonly Lock _gate = new();
    private readonly LinkedList<string> _reasons = new();
    private readonly HashSet<long> _guilds = [];
    private readonly HashSet<long> _unavailable = [];
    private readonly HashSet<long> _covered = [];

    public int ShardId { get; } = shardId;

    public int ShardCount { get; } = shardCount;

    public string State { get; private set; } = "connecting";

    public string? SessionId { get; private set; }

    public int? Sequence { get; private set; }

    public int? LatencyMs { get; private set; }

    public DateTimeOffset? LastEventAt { get; private set; }

    public string? LastEventName { get; private set; }

    public int Reconnects { get; private set; }

    public string? StoppedReason { get; private set; }

    public DateTimeOffset? ConnectedSince { get; private set; }

    /// <summary>When the current session's READY arrived: messages after it reach ClipSaver as events.</summary>
    public DateTimeOffset? SessionStartedAt { get; private set; }

    public void Connected(string sessionId, DateTimeOffset now, bool newSession)
    {
        lock (_gate)
        {
            State = "connected";
            SessionId = sessionId;
            ConnectedSince = now;
            if (newSession)
            {
                SessionStartedAt = now;
                _covered.Clear();
                _guilds.Clear();
                _unavailable.Clear();
            }
        }
    }

    /// <summary>An event could not be handled: event messages stop moving scan cursors until a scan started after now completes.</summary>
    public void ContinuityBroken(DateTimeOffset now)
    {
        lock (_gate)
        {
            SessionStartedAt = now;
            _covered.Clear();
        }
    }

    /// <summary>Channels known to be read up to this session's start (see <c>GatewayEvents</c>); forgotten with a new session.</summary>
    public bool IsCovered(long channelId)
    {
        lock (_gate)
        {
            return _covered.Contains(channelId);
        }
    }

    public void Covered(long channelId, DateTimeOffset sessionStartedAt)
    {
        lock (_gate)
        {
            if (SessionStartedAt == sessionStartedAt)
            {
                _covered.Add(channelId);
            }
        }
    }

    public void Reconnecting(string reason, DateTimeOffset now, bool sessionEnded)
    {
        lock (_gate)
        {
            State = "reconnecting";
            Reconnects++;
            ConnectedSince = null;
            if (sessionEnded)
            {
                SessionId = null;
                Sequence = null;
            }

            _reasons.AddFirst($"{now:yyyy-MM-dd HH:mm:ss}Z {reason}");
            while (_reasons.Count > 5)
            {
                _reasons.RemoveLast();
            }
        }
    }

    public void Stopped(string reason)
    {
        lock (_gate)
        {
            State = "stopped";
            StoppedReason = reason;
            ConnectedSince = null;
        }
    }

    public void Event(string name, int sequence, DateTimeOffset now)
    {
        lock (_gate)
        {
            Sequence = sequence;
            LastEventName = name;
            LastEventAt = now;
        }
    }

    public void Latency(TimeSpan roundTrip)
    {
        lock (_gate)
        {
            LatencyMs = (int)Math.Round(roundTrip.TotalMilliseconds);
        }
    }

    /// <summary>A guild of this shard is available (GUILD_CREATE) or not (GUILD_DELETE with <c>unavailable</c>), or gone (null).</summary>
    public void Guild(long guildId, bool? available)
    {
        lock (_gate)
        {
            if (available is null)
            {
                _guilds.Remove(guildId);
                _unavailable.Remove(guildId);
                return;
            }

            _guilds.Add(guildId);
            if (available.Value)
            {
                _unavailable.Remove(guildId);
            }
            else
            {
                _unavailable.Add(guildId);
            }
        }
    }

    /// <summary>The row for <c>gateway_shards</c>.</summary>
    public GatewayShard ToRow(string instanceId, DateTimeOffset now)
    {
        lock (_gate)
        {
            return new GatewayShard
            {
                ShardId = ShardId,
                ShardCount = ShardCount,
                InstanceId = instanceId,
                State = State,
                SessionId = SessionId,
                Sequence = Sequence,
                LatencyMs = LatencyMs,
                LastEventAt = LastEventAt,
                LastEventName = LastEventName,
                GuildCount = _guilds.Count,
                UnavailableGuildIds = [.. _unavailable.Order()],
                Reconnects = Reconnects,
                RecentReasons = [.. _reasons],
                StoppedReason = StoppedReason,
                ConnectedSince = ConnectedSince,
                UpdatedAt = now,
            };
        }
    }
}

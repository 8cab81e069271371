namespace ClipSaver.DiscordEmulator.Gateway;

/// <summary>
/// The emulated Gateway's sessions: routes world changes to the sessions of the guild's shard
/// (<c>(guild_id &gt;&gt; 22) % num_shards</c>), keeps what each was sent for resumes, counts sessions per shard, and
/// applies faults on demand. Lock order: the world's lock, then this one.
/// </summary>
public sealed class GatewayHub
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, GatewaySession> _sessions = new(StringComparer.Ordinal);
    private readonly Dictionary<int, int> _live = [];
    private readonly Dictionary<int, int> _maxLive = [];
    private readonly Dictionary<int, DateTimeOffset> _identifiedAt = [];
    private readonly EmulatorWorld _world;
    private readonly EmulatorOptions _options;
    private int _sessionStartsUsed;

    internal GatewayHub(EmulatorWorld world, EmulatorOptions options, GatewayPayloads payloads)
    {
        _world = world;
        _options = options;
        Payloads = payloads;
        world.Changed += Publish;
    }

    internal GatewayPayloads Payloads { get; }

    internal GatewaySettings Settings => _options.Gateway;

    /// <summary>Heartbeats are not acknowledged (a zombie connection, as the client sees it).</summary>
    public bool SwallowAcks { get; set; }

    /// <summary>Each acknowledgement waits this long.</summary>
    public TimeSpan AckDelay { get; set; }

    /// <summary>
    /// The next identify is handled this much later than it arrived (a busy Discord), the ones after it at once.
    /// Discord spaces identifies from when it handled them, not from when they were sent.
    /// </summary>
    public TimeSpan DelayNextIdentify { get; set; }

    /// <summary>Takes the delay for the identify being handled now (zero once it was taken).</summary>
    internal TimeSpan TakeIdentifyDelay()
    {
        lock (_gate)
        {
            var delay = DelayNextIdentify;
            DelayNextIdentify = TimeSpan.Zero;
            return delay;
        }
    }

    /// <summary>Resumes are answered with op 9 (<c>d: false</c>): the client must identify again.</summary>
    public bool RefuseResumes { get; set; }

    public int Identifies { get; private set; }

    /// <summary>The intents of the latest identify.</summary>
    public int LastIdentifyIntents { get; private set; }

    public int Resumes { get; private set; }

    /// <summary>Resumes sent to the session's <c>resume_gateway_url</c> (the others went to the main URL).</summary>
    public int ResumesOnResumeUrl { get; private set; }

    /// <summary>Identifies that came sooner than <c>max_concurrency</c> allows (answered with op 9).</summary>
    public int IdentifiesTooSoon { get; private set; }

    public int SessionStartRemaining
    {
        get
        {
            lock (_gate)
            {
                return Math.Max(0, Settings.SessionStartLimit - _sessionStartsUsed);
            }
        }
    }

    /// <summary>Connections that identified or resumed for the shard and are open now.</summary>
    public int LiveSessions(int shardId)
    {
        lock (_gate)
        {
            return _live.GetValueOrDefault(shardId);
        }
    }

    /// <summary>The most connections of one shard ever open at the same time (must stay 1).</summary>
    public int MaxLiveSessions(int shardId)
    {
        lock (_gate)
        {
            return _maxLive.GetValueOrDefault(shardId);
        }
    }

    public int MaxLiveSessionsOfAnyShard
    {
        get
        {
            lock (_gate)
            {
                return _maxLive.Count == 0 ? 0 : _maxLive.Values.Max();
            }
        }
    }

    public static int ShardOf(ulong? guildId, int shardCount) => guildId is { } id ? (int)((id >> 22) % (ulong)shardCount) : 0;

    /// <summary>Drops the shard's connections without a close frame (null: every shard). The sessions stay resumable.</summary>
    public void Drop(int? shardId = null) => ForEach(shardId, (_, c) => c.Abort());

    /// <summary>Sends op 7 Reconnect.</summary>
    public void SendReconnect(int? shardId = null) => ForEach(shardId, (_, c) => c.Send("""{"op":7,"d":null}"""));

    /// <summary>Sends op 1: the client must heartbeat at once.</summary>
    public void RequestHeartbeat(int? shardId = null) => ForEach(shardId, (_, c) => c.Send("""{"op":1,"d":null}"""));

    /// <summary>Sends op 9; a session that is not resumable ends.</summary>
    public void InvalidateSession(bool resumable, int? shardId = null) => ForEach(shardId, (s, c) =>
    {
        s.Ended |= !resumable;
        c.Send(resumable ? """{"op":9,"d":true}""" : """{"op":9,"d":false}""");
    });

    /// <summary>Closes with a code; 4007, 4009 and the codes that must not be retried end the session.</summary>
    public void Close(int code, int? shardId = null) => ForEach(shardId, (s, c) =>
    {
        s.Ended |= code is 1000 or 1001 or 4004 or 4007 or 4009 or >= 4010;
        c.Close(code, $"Closed on request ({code}).");
    });

    private void ForEach(int? shardId, Action<GatewaySession, GatewayConnection> act)
    {
        lock (_gate)
        {
            foreach (var session in _sessions.Values.Where(s => s.Connection is not null && (shardId is null || s.ShardId == shardId)))
            {
                act(session, session.Connection!);
            }
        }
    }

    /// <summary>Under the world's lock: every session of the event's shard that has its intent gets it.</summary>
    private void Publish(WorldEvent change)
    {
        lock (_gate)
        {
            string? full = null, redacted = null;
            foreach (var session in _sessions.Values.Where(s => !s.Ended && s.Has(change.Intent) && s.ShardId == ShardOf(change.GuildId, s.ShardCount)))
            {
                var redact = change.Data is EmulatedMessage && !session.Has(GatewayIntents.MessageContent);
                var data = redact ? redacted ??= Payloads.Render(change, true) : full ??= Payloads.Render(change, false);
                session.Dispatch(change.Name, data);
            }
        }
    }

    /// <summary>
    /// A new session: READY, then GUILD_CREATE for each available guild of the shard, registered under the world's
    /// lock so that every later change reaches it. Null when the identify came too soon for its concurrency bucket.
    /// </summary>
    internal GatewaySession? Identify(GatewayConnection connection, int shardId, int shardCount, int intents, string resumeUrl)
    {
        return _world.Atomically(() =>
        {
            lock (_gate)
            {
                var now = _options.Clock.GetUtcNow();
                var bucket = shardId % Math.Max(1, Settings.MaxConcurrency);
                if (_identifiedAt.TryGetValue(bucket, out var last) && now - last < Settings.IdentifySpacing)
                {
                    IdentifiesTooSoon++;
                    return null;
                }

                _identifiedAt[bucket] = now;
                _sessionStartsUsed++;
                Identifies++;
                LastIdentifyIntents = intents;
                foreach (var stale in _sessions.Values.Where(s => s.Connection is null && (s.Ended || now - s.DetachedAt > Settings.ResumeWindow)).ToList())
                {
                    _sessions.Remove(stale.Id);
                }

                var session = new GatewaySession(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), shardId, shardCount, intents);
                _sessions[session.Id] = session;
                Attach(session, connection);
                var guilds = _world.Guilds.Where(g => g.BotPresent && ShardOf(g.Id, shardCount) == shardId).Select(g => g.Id).ToList();
                session.Dispatch("READY", Payloads.Ready(session.Id, resumeUrl, shardId, shardCount, guilds));
                foreach (var id in guilds.Where(id => !_world.IsUnavailable(id)))
                {
                    session.Dispatch("GUILD_CREATE", Payloads.GuildCreate(id));
                }

                return session;
            }
        });
    }

    /// <summary>Moves a session to a new connection and replays what it missed, then RESUMED. False: not resumable.</summary>
    internal bool Resume(GatewayConnection connection, string sessionId, int sequence, bool onResumeUrl)
    {
        lock (_gate)
        {
            if (RefuseResumes || !_sessions.TryGetValue(sessionId, out var session) || session.Ended || sequence > session.Sequence
                || (session.Connection is null && _options.Clock.GetUtcNow() - session.DetachedAt > Settings.ResumeWindow))
            {
                return false;
            }

            if (session.Connection is { } old)
            {
                Detach(old);
                old.Close(4000, "Resumed elsewhere.");
            }

            Resumes++;
            ResumesOnResumeUrl += onResumeUrl ? 1 : 0;
            foreach (var frame in session.After(sequence))
            {
                connection.Send(frame);
            }

            Attach(session, connection);
            session.Dispatch("RESUMED", "{}");
            return true;
        }
    }

    /// <summary>The connection is closing or gone: its session counts no more (it stays resumable unless ended).</summary>
    internal void Detach(GatewayConnection connection)
    {
        lock (_gate)
        {
            if (connection.Session is { } session && session.Connection == connection)
            {
                session.Connection = null;
                session.DetachedAt = _options.Clock.GetUtcNow();
                _live[session.ShardId]--;
            }
        }
    }

    private void Attach(GatewaySession session, GatewayConnection connection)
    {
        session.Connection = connection;
        session.DetachedAt = null;
        connection.Session = session;
        var live = _live[session.ShardId] = _live.GetValueOrDefault(session.ShardId) + 1;
        _maxLive[session.ShardId] = Math.Max(live, _maxLive.GetValueOrDefault(session.ShardId));
    }
}

namespace ClipSaver.DiscordEmulator.Gateway;

/// <summary>
/// One Gateway session: its shard, intents, the dispatches sent so far (kept for a resume to replay) and the
/// connection it is on now, if any. Guarded by <see cref="GatewayHub"/>'s lock.
/// </summary>
internal sealed class GatewaySession(string id, int shardId, int shardCount, int intents)
{
    private readonly List<string> _sent = [];

    public string Id { get; } = id;

    public int ShardId { get; } = shardId;

    public int ShardCount { get; } = shardCount;

    public int Intents { get; } = intents;

    public GatewayConnection? Connection { get; set; }

    /// <summary>No connection since then; the session can be resumed until <see cref="GatewaySettings.ResumeWindow"/> has passed.</summary>
    public DateTimeOffset? DetachedAt { get; set; }

    /// <summary>Invalidated (op 9 with <c>d: false</c>, a close that ends it): a resume is refused.</summary>
    public bool Ended { get; set; }

    public int Sequence => _sent.Count;

    public bool Has(int intent) => (Intents & intent) == intent;

    /// <summary>Numbers a dispatch, keeps it for replays and sends it when connected.</summary>
    public void Dispatch(string name, string data)
    {
        var frame = $$"""{"op":0,"t":"{{name}}","s":{{_sent.Count + 1}},"d":{{data}}}""";
        _sent.Add(frame);
        Connection?.Send(frame);
    }

    /// <summary>The dispatches after <paramref name="sequence"/>, for a resume.</summary>
    public IEnumerable<string> After(int sequence) => _sent.Skip(Math.Max(0, sequence));
}

namespace ClipSaver.Core.Gateway;

/// <summary>Section <c>ClipSaver:Gateway</c>: the live bot (docs/decisions/016-gateway.md).</summary>
public sealed class GatewayOptions
{
    public const string Section = "ClipSaver:Gateway";

    /// <summary>Connect to Discord's Gateway and take part in the shard leases. Off: polling alone, as before.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Overrides the shard count Discord recommends (<c>GET /gateway/bot</c>). Every instance must use the same count.</summary>
    [Range(1, 4096)]
    public int? ShardCount { get; set; }

    /// <summary>How often an instance checks its leases, counts the instances and takes or gives back shards.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:01:00")]
    public TimeSpan LeaseInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Waits between connection attempts grow from this (with jitter)…</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan MinBackoff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>…up to this.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// While a guild's shard is connected its archived channels are still scanned, but only this often (the safety
    /// net); without a connection the regular incremental interval applies.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan ConnectedPollInterval { get; set; } = TimeSpan.FromHours(6);

    /// <summary>Files of clips seen in events downloaded at the same time.</summary>
    [Range(1, 64)]
    public int DownloadWorkers { get; set; } = 4;

    /// <summary>The intents ClipSaver identifies with: GUILDS, GUILD_MEMBERS, GUILD_MESSAGES, MESSAGE_CONTENT.</summary>
    public const int Intents = (1 << 0) | (1 << 1) | (1 << 9) | (1 << 15);
}

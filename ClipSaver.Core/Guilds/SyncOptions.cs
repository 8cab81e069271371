namespace ClipSaver.Core.Guilds;

/// <summary>Section <c>ClipSaver:Sync</c>.</summary>
public sealed class SyncOptions
{
    public const string Section = "ClipSaver:Sync";

    /// <summary>How often the bot's guilds are compared with the database (Discord sends no HTTP event on removal).</summary>
    [Range(1, 1440)]
    public int ReconcileIntervalMinutes { get; set; } = 5;

    /// <summary>
    /// The same while the Gateway is on: its GUILD_CREATE / GUILD_DELETE events keep the guilds current, so
    /// reconciliation is only a slow cross-check (decision 016).
    /// </summary>
    [Range(1, 1440)]
    public int ConnectedReconcileIntervalMinutes { get; set; } = 60;

    /// <summary>Channels of a guild are re-read by reconciliation when their last sync is older than this.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan ChannelSyncAge { get; set; } = TimeSpan.FromMinutes(30);
}

namespace ClipSaver.Core.Guilds;

/// <summary>How much of a guild's channels a list describes.</summary>
public enum ChannelSyncScope
{
    /// <summary>Some channels (an event): nothing else changes.</summary>
    Partial,

    /// <summary>All channels and active threads (GUILD_CREATE): channels missing from it are gone; threads may just be archived.</summary>
    AllButThreads,

    /// <summary>Everything, archived threads included (a sync over HTTP).</summary>
    Complete,
}

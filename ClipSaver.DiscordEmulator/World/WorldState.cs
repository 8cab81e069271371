namespace ClipSaver.DiscordEmulator.World;

// The mutable world behind EmulatorWorld's lock. Records are replaced, never changed in place, so snapshots handed
// out stay valid.

internal sealed class GuildState(ulong id, string name, string? icon, ulong ownerId)
{
    public ulong Id { get; } = id;
    public string Name { get; set; } = name;
    public string? Icon { get; } = icon;
    public ulong OwnerId { get; set; } = ownerId;
    public bool BotPresent { get; set; }
    /// <summary>An outage: Discord sent GUILD_DELETE with <c>unavailable</c>; the guild is still there.</summary>
    public bool Unavailable { get; set; }
    public ulong BotPermissions { get; set; }
    public List<EmulatedRole> Roles { get; } = [];
    public SortedDictionary<ulong, EmulatedMember> Members { get; } = [];
    public List<ChannelState> Channels { get; } = [];

    public EmulatedGuild Snapshot() => new(Id, Name, Icon, OwnerId, BotPresent, BotPermissions);
}

internal sealed class ChannelState(EmulatedChannel info, MessageTimeline timeline)
{
    public EmulatedChannel Info { get; set; } = info;
    public MessageTimeline Timeline { get; } = timeline;

    public EmulatedChannel Snapshot() => Info with { MessageCount = Timeline.Count };
}

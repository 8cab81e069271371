namespace ClipSaver.DiscordEmulator.World;

/// <summary>
/// A change of the world as Discord announces it on the Gateway: the event's name, the guild it belongs to (null goes
/// to shard 0), the intent a session needs to receive it, and a snapshot of what changed (the Gateway renders it).
/// </summary>
internal sealed record WorldEvent(string Name, ulong? GuildId, int Intent, object Data);

/// <summary>The Gateway intents the emulator knows (docs: events/gateway.mdx, "List of Intents").</summary>
public static class GatewayIntents
{
    public const int Guilds = 1 << 0;
    public const int GuildMembers = 1 << 1;
    public const int GuildMessages = 1 << 9;
    public const int MessageContent = 1 << 15;

    /// <summary>Every intent bit Discord defines (up to <c>DIRECT_MESSAGE_POLLS</c>, 1 &lt;&lt; 25).</summary>
    public const int All = (1 << 26) - 1;
}

/// <summary>GUILD_DELETE's data: the guild's id and, for an outage, <c>unavailable</c>.</summary>
internal sealed record GuildGone(ulong Id, bool Unavailable);

/// <summary>GUILD_MEMBER_REMOVE's data.</summary>
internal sealed record MemberGone(ulong GuildId, EmulatedUser User);

/// <summary>MESSAGE_DELETE (one id) and MESSAGE_DELETE_BULK (several)'s data.</summary>
internal sealed record MessagesGone(ulong GuildId, ulong ChannelId, IReadOnlyList<ulong> Ids);

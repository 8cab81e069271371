namespace ClipSaver.Core.Discord;

/// <summary>Permission bits ClipSaver reads (Discord sends them as decimal strings).</summary>
[Flags]
public enum DiscordPermissions : ulong
{
    None = 0,
    Administrator = 1UL << 3,
    ManageGuild = 1UL << 5,
    ViewChannel = 1UL << 10,
    ReadMessageHistory = 1UL << 16,
    ManageThreads = 1UL << 34,
}

/// <summary>Application flags from <c>GET /applications/@me</c>.</summary>
[Flags]
public enum DiscordApplicationFeatures : long
{
    None = 0,
    GatewayGuildMembers = 1L << 14,
    GatewayGuildMembersLimited = 1L << 15,
    GatewayMessageContent = 1L << 18,
    GatewayMessageContentLimited = 1L << 19,
}

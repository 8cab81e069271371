namespace ClipSaver.Core.Discord;

// Discord objects as ClipSaver reads them (fields from the OpenAPI description of API v10; unknown fields are
// ignored). JSON names are snake_case; ids are Snowflakes serialized as strings.

public sealed record DiscordUser(Snowflake Id, string Username, string? GlobalName, string? Avatar, bool Bot = false);

/// <summary>An entry of <c>GET /users/@me/guilds</c>. <see cref="Owner"/> and <see cref="Permissions"/> are relative to the caller.</summary>
public sealed record DiscordPartialGuild(Snowflake Id, string Name, string? Icon, bool Owner = false, string? Permissions = null);

public sealed record DiscordGuild(Snowflake Id, string Name, string? Icon, Snowflake OwnerId);

public sealed record DiscordRole(Snowflake Id, string Name, string Permissions, int Position);

public sealed record DiscordMember(DiscordUser? User, IReadOnlyList<Snowflake> Roles, string? Nick, DateTimeOffset? JoinedAt);

public sealed record DiscordThreadMetadata(bool Archived, DateTimeOffset? ArchiveTimestamp, bool Locked = false);

public sealed record DiscordChannel(
    Snowflake Id,
    int Type,
    Snowflake? GuildId,
    string? Name,
    Snowflake? ParentId,
    int? Position,
    bool Nsfw = false,
    DiscordThreadMetadata? ThreadMetadata = null);

public sealed record DiscordThreadList(IReadOnlyList<DiscordChannel> Threads, bool HasMore = false);

public sealed record DiscordAttachment(
    Snowflake Id,
    string Filename,
    long Size,
    string Url,
    string ProxyUrl,
    string? ContentType = null,
    int? Width = null,
    int? Height = null,
    double? DurationSecs = null,
    int? Flags = null);

public sealed record DiscordEmbedVideo(string? Url, string? ProxyUrl = null, int? Width = null, int? Height = null, string? ContentType = null);

public sealed record DiscordEmbed(string? Type, string? Url = null, string? Title = null, DiscordEmbedVideo? Video = null);

public sealed record DiscordMessage(
    Snowflake Id,
    Snowflake ChannelId,
    DiscordUser Author,
    string Content,
    DateTimeOffset Timestamp,
    IReadOnlyList<DiscordAttachment> Attachments,
    IReadOnlyList<DiscordEmbed> Embeds,
    int Type = 0);

public sealed record DiscordApplication(Snowflake Id, string Name, DiscordApplicationFeatures Flags);

/// <summary>Channel types (Discord's numbers).</summary>
public static class DiscordChannelTypes
{
    public const int GuildText = 0;
    public const int GuildVoice = 2;
    public const int GuildCategory = 4;
    public const int GuildAnnouncement = 5;
    public const int AnnouncementThread = 10;
    public const int PublicThread = 11;
    public const int PrivateThread = 12;
    public const int GuildStageVoice = 13;
    public const int GuildForum = 15;
    public const int GuildMedia = 16;

    /// <summary>
    /// Forum and media channels: every message lives in a thread (a post), and Discord refuses to list the channel's own
    /// messages (50024). Their archive is their posts' threads (docs/decisions/017-dashboard.md).
    /// </summary>
    public static bool HasPostsOnly(int type) => type is GuildForum or GuildMedia;
}

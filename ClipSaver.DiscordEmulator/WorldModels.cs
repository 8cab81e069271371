namespace ClipSaver.DiscordEmulator;

// Snapshots of the emulated world, as the control API hands them out. Ids are plain numbers here; the REST API
// sends them as strings like Discord.

public sealed record EmulatedUser(ulong Id, string Username, string? GlobalName, string? Avatar, bool Bot = false);

public sealed record EmulatedGuild(ulong Id, string Name, string? Icon, ulong OwnerId, bool BotPresent, ulong BotPermissions);

public sealed record EmulatedRole(ulong Id, string Name, ulong Permissions, int Position, bool Managed = false);

public sealed record EmulatedMember(ulong GuildId, EmulatedUser User, IReadOnlyList<ulong> Roles, DateTimeOffset JoinedAt);

/// <summary>A channel or a thread (types 10–12 with <see cref="ThreadArchived"/> and <see cref="ArchiveTimestamp"/>).</summary>
public sealed record EmulatedChannel(
    ulong Id,
    ulong GuildId,
    int Type,
    string Name,
    ulong? ParentId,
    int Position,
    bool Nsfw,
    long MessageCount,
    ulong? OwnerId = null,
    bool ThreadArchived = false,
    DateTimeOffset? ArchiveTimestamp = null)
{
    public bool IsThread => Type is 10 or 11 or 12;
}

public sealed record EmulatedMessage(
    ulong Id,
    ulong ChannelId,
    EmulatedUser Author,
    string Content,
    DateTimeOffset Timestamp,
    IReadOnlyList<EmulatedAttachment> Attachments,
    IReadOnlyList<EmulatedEmbed> Embeds);

/// <summary>An attachment; <see cref="Flags"/> 1 is IS_CLIP.</summary>
public sealed record EmulatedAttachment(
    ulong Id,
    string Filename,
    long Size,
    string ContentType,
    int? Width = null,
    int? Height = null,
    double? DurationSecs = null,
    int Flags = 0);

/// <summary>What <see cref="EmulatorWorld.PostMessage"/> attaches; the world assigns the id.</summary>
public sealed record NewAttachment(string Filename, long Size, string ContentType, int Flags = 0);

public sealed record EmulatedEmbed(string Type, string Url, string? Title, EmulatedEmbedVideo? Video);

public sealed record EmulatedEmbedVideo(string Url, int Width, int Height, string? ContentType);

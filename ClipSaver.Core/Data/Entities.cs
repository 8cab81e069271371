namespace ClipSaver.Core.Data;

// Entities are plain classes without mapping attributes; the mapping lives in Configurations/.
// Discord snowflakes are stored as bigint (long). See docs/decisions/002-data-model.md.

public sealed class User
{
    public long Id { get; set; }
    public string Username { get; set; } = "";
    public string? GlobalName { get; set; }
    public string? AvatarHash { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? LastLoginAt { get; set; }

    /// <summary>Since when the user asked ClipSaver not to archive what they post (null: archived as usual).</summary>
    public DateTimeOffset? OptedOutAt { get; set; }
}

/// <summary>What Discord said about a user in a guild, at login or at a live check.</summary>
public sealed class UserGuildAccess
{
    public long UserId { get; set; }
    public long GuildId { get; set; }
    public string GuildName { get; set; } = "";
    public string? GuildIcon { get; set; }
    public bool IsOwner { get; set; }
    public long Permissions { get; set; }
    public DateTimeOffset CheckedAt { get; set; }
}

public enum GuildDeletionReason
{
    BotRemoved,
    Purged,
}

public sealed class Guild
{
    public long Id { get; set; }
    public string Name { get; set; } = "";
    public string? IconHash { get; set; }
    public long OwnerId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? BotJoinedAt { get; set; }
    public DateTimeOffset? DeletedAt { get; set; }
    public GuildDeletionReason? DeletionReason { get; set; }
    public DateTimeOffset? PurgedAt { get; set; }
    public DateTimeOffset? AllChannelsPurgeCooldownUntil { get; set; }
    public DateTimeOffset? LastSyncedAt { get; set; }
    public DateTimeOffset? ChannelsSyncedAt { get; set; }
}

public sealed class GuildSettingsRow
{
    public long GuildId { get; set; }
    /// <summary>Only the values the guild changed; defaults come from configuration.</summary>
    public string Json { get; set; } = "{}";
    public DateTimeOffset UpdatedAt { get; set; }
    public long? UpdatedBy { get; set; }
}

public sealed class Channel
{
    public long Id { get; set; }
    public long GuildId { get; set; }
    public string Name { get; set; } = "";
    public int Type { get; set; }
    public long? ParentId { get; set; }
    public int Position { get; set; }
    public bool Nsfw { get; set; }
    public bool IsThread { get; set; }
    public bool IsReading { get; set; }
    /// <summary>Newest message id already read (incremental scans continue after it).</summary>
    public long? NewestScannedMessageId { get; set; }
    /// <summary>Oldest message id already read by the backfill (it continues before it).</summary>
    public long? BackfillBeforeId { get; set; }
    public bool BackfillComplete { get; set; }
    public DateTimeOffset? PurgeCooldownUntil { get; set; }
    public DateTimeOffset? DeletedAt { get; set; }
    public DateTimeOffset? LastScanAt { get; set; }
    /// <summary>Maintained in the same transaction as clip inserts and deletes, so pages never count rows.</summary>
    public long ClipCount { get; set; }
    public long ClipBytes { get; set; }

    /// <summary>Clips not archived because their authors opted out: a count for the owner, never who.</summary>
    public long ClipsSkippedOptedOut { get; set; }
}

public sealed class GuildMember
{
    public long GuildId { get; set; }
    public long UserId { get; set; }
    public DateTimeOffset FirstSeenAt { get; set; }
    public DateTimeOffset LastSeenAt { get; set; }
}

public enum ClipSource
{
    Attachment,
    Embed,
}

/// <summary>What the thumbnail job made of a clip's stored file (docs/decisions/020-thumbnails.md); null until it looked.</summary>
public enum ThumbnailState
{
    /// <summary>A poster image is stored at <see cref="Storage.ClipStorageKeys.ThumbnailOf"/> the clip's key; duration and size are the file's.</summary>
    Made,

    /// <summary>The file has no video stream ffprobe can read (not a video, or cut short): the page shows a placeholder.</summary>
    NoVideo,

    /// <summary>ffmpeg failed or timed out on every attempt: the page shows a placeholder, and the job does not try again.</summary>
    Failed,
}

public sealed class Clip
{
    public long Id { get; set; }
    public long GuildId { get; set; }
    public long ChannelId { get; set; }
    public long MessageId { get; set; }
    public ClipSource Source { get; set; }
    /// <summary>Discord's attachment id; null for a video embed (kept as a link).</summary>
    public long? AttachmentId { get; set; }
    public string? EmbedUrl { get; set; }
    public long AuthorId { get; set; }
    public string FileName { get; set; } = "";
    public string? ContentType { get; set; }
    public long SizeBytes { get; set; }
    public double? DurationSecs { get; set; }
    public int? Width { get; set; }
    public int? Height { get; set; }
    public bool DiscordClipFlag { get; set; }
    public DateTimeOffset PostedAt { get; set; }
    public DateTimeOffset ArchivedAt { get; set; }
    /// <summary>Key in clip storage; null until the file is stored (and always for embeds).</summary>
    public string? StorageKey { get; set; }
    /// <summary>Lower-case hex SHA-256 of the stored file.</summary>
    public string? Sha256 { get; set; }
    /// <summary>
    /// The ZIP CRC-32 of the stored file, its 32 bits kept as a signed int (the database has no unsigned type); null for a
    /// file stored before it was recorded. With it an export can copy the file into a ZIP without reading it first.
    /// </summary>
    public int? Crc32 { get; set; }
    /// <summary>Why the file is not stored and will not be tried again (e.g. larger than the guild's limit).</summary>
    public string? SkipReason { get; set; }
    /// <summary>Null while the stored file waits for its thumbnail (a new clip, or one archived before thumbnails existed).</summary>
    public ThumbnailState? ThumbnailState { get; set; }
    /// <summary>How many times the thumbnail job claimed this clip; it gives up (<see cref="Data.ThumbnailState.Failed"/>) after a few.</summary>
    public int ThumbnailAttempts { get; set; }
    /// <summary>A thumbnail job works on the clip until then; after that (its process died) another may claim it.</summary>
    public DateTimeOffset? ThumbnailClaimedUntil { get; set; }
}

public sealed class InstallIntent
{
    public long Id { get; set; }
    public string State { get; set; } = "";
    public long UserId { get; set; }
    public long? GuildId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? UsedAt { get; set; }
}

public sealed class AuditEvent
{
    public long Id { get; set; }
    public long? GuildId { get; set; }
    public long? ActorUserId { get; set; }
    public string Action { get; set; } = "";
    public string? Summary { get; set; }
    public string? DataJson { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

public sealed class ApiToken
{
    public long Id { get; set; }
    public long UserId { get; set; }
    public string Name { get; set; } = "";
    /// <summary>The first characters of the token, shown in lists so a person can tell tokens apart.</summary>
    public string Prefix { get; set; } = "";
    /// <summary>SHA-256 of the whole token; the token itself is never stored.</summary>
    public byte[] TokenHash { get; set; } = [];
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? ExpiresAt { get; set; }
    public DateTimeOffset? LastUsedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
}

/// <summary>An operator's on/off switch for a recurring job (Hangfire cannot pause one; ClipSaver skips it).</summary>
public sealed class JobSwitch
{
    public string JobId { get; set; } = "";
    public bool Enabled { get; set; } = true;
    public DateTimeOffset UpdatedAt { get; set; }
    public long? UpdatedBy { get; set; }
}

/// <summary>Clips archived per channel and day, kept in the same transactions as the clips, for the overview chart.</summary>
public sealed class ClipDay
{
    public long GuildId { get; set; }
    public long ChannelId { get; set; }
    public DateOnly Day { get; set; }
    public int Clips { get; set; }
}

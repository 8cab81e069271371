namespace ClipSaver.Tests.Infrastructure;

/// <summary>Small builders for rows that tests put straight into the database.</summary>
public static class TestData
{
    // Far from the emulator's ids (its application and bot user is 100000000000000001), so rows made here never
    // stand for someone the emulator knows.
    private static long _next = 190_000_000_000_000_000;

    public static long NewId() => Interlocked.Increment(ref _next);

    public static Guild Guild(long? id = null, long ownerId = 1) => new()
    {
        Id = id ?? NewId(),
        Name = "Guild",
        OwnerId = ownerId,
        CreatedAt = DateTimeOffset.UtcNow,
        BotJoinedAt = DateTimeOffset.UtcNow,
    };

    public static Channel Channel(long guildId, long? id = null, string name = "clips") => new()
    {
        Id = id ?? NewId(),
        GuildId = guildId,
        Name = name,
        Type = 0,
    };

    /// <summary>A clip of an attachment with new message and attachment ids, posted and archived now unless told otherwise.</summary>
    public static Clip Clip(
        long guildId, long channelId, long authorId, string fileName = "clip.mp4", long sizeBytes = 10, DateTimeOffset? postedAt = null,
        DateTimeOffset? archivedAt = null, string? contentType = null, string? storageKey = null, long? attachmentId = null, string? sha256 = null,
        uint? crc32 = null) => new()
        {
            GuildId = guildId,
            ChannelId = channelId,
            MessageId = NewId(),
            AttachmentId = attachmentId ?? NewId(),
            AuthorId = authorId,
            FileName = fileName,
            ContentType = contentType,
            SizeBytes = sizeBytes,
            StorageKey = storageKey,
            Sha256 = sha256,
            // Kept as its 32 bits in a signed int, as the storage's attach does.
            Crc32 = crc32 is { } crc ? unchecked((int)crc) : null,
            PostedAt = postedAt ?? DateTimeOffset.UtcNow,
            ArchivedAt = archivedAt ?? DateTimeOffset.UtcNow,
        };

    public static ScanRun ScanRun(long guildId, long channelId, ScanStatus status, DateTimeOffset? finishedAt) => new()
    {
        GuildId = guildId,
        ChannelId = channelId,
        Kind = ScanKind.Incremental,
        Status = status,
        CreatedAt = (finishedAt ?? DateTimeOffset.UtcNow).AddMinutes(-5),
        FinishedAt = finishedAt,
    };

    public static PurgeRun PurgeRun(long guildId, PurgeStatus status, DateTimeOffset? finishedAt) => new()
    {
        GuildId = guildId,
        Scope = PurgeScope.AllChannels,
        Status = status,
        RequestedAt = (finishedAt ?? DateTimeOffset.UtcNow).AddMinutes(-5),
        NotBefore = (finishedAt ?? DateTimeOffset.UtcNow).AddMinutes(-3),
        FinishedAt = finishedAt,
    };
}

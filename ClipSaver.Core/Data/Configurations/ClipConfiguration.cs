namespace ClipSaver.Core.Data.Configurations;

public sealed class ClipConfiguration : IEntityTypeConfiguration<Clip>
{
    public void Configure(EntityTypeBuilder<Clip> builder)
    {
        builder.Property(x => x.FileName).HasMaxLength(1024);
        builder.Property(x => x.ContentType).HasMaxLength(255);
        builder.Property(x => x.EmbedUrl).HasMaxLength(2048);
        builder.Property(x => x.StorageKey).HasMaxLength(512);
        builder.Property(x => x.Sha256).HasMaxLength(64).IsFixedLength(false);
        builder.Property(x => x.SkipReason).HasMaxLength(200);
        builder.HasOne<Guild>().WithMany().HasForeignKey(x => x.GuildId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Channel>().WithMany().HasForeignKey(x => x.ChannelId).OnDelete(DeleteBehavior.Restrict);
        // An attachment is archived once.
        builder.HasIndex(x => x.AttachmentId).IsUnique().HasFilter("attachment_id IS NOT NULL");
        builder.HasIndex(x => new { x.MessageId, x.EmbedUrl }).IsUnique().HasFilter("source = 'embed'").HasDatabaseName("ux_clips_embed");
        // The clip browser: newest first per guild and per channel, keyset on (posted_at, id).
        builder.HasIndex(x => new { x.GuildId, x.PostedAt, x.Id }).IsDescending(false, true, true);
        builder.HasIndex(x => new { x.ChannelId, x.PostedAt, x.Id }).IsDescending(false, true, true);
        // ... and largest or smallest first per guild, keyset on (size_bytes, id); read backwards for smallest first.
        builder.HasIndex(x => new { x.GuildId, x.SizeBytes, x.Id }).IsDescending(false, true, true);
        builder.HasIndex(x => new { x.GuildId, x.AuthorId });
        // ... and its search, a piece of the file name in any case (ILIKE '%text%'): trigrams find the few names that hold
        // it among a big guild's (docs/decisions/025-clip-search.md).
        builder.HasIndex(x => x.FileName).HasMethod("gin").HasOperators("gin_trgm_ops").HasDatabaseName("ix_clips_file_name_trgm");
        // Indexes for the jobs (docs/decisions/014-job-indexes.md). A scan's files still to download: few rows of a
        // channel that may hold hundreds of thousands, so a partial index that holds only those.
        builder.HasIndex(x => x.ChannelId).HasFilter("source = 'attachment' AND storage_key IS NULL AND skip_reason IS NULL")
            .HasDatabaseName("ix_clips_pending_files");
        // The orphan scan looks up the stored files' keys, a thousand at a time.
        builder.HasIndex(x => x.StorageKey);
        // The thumbnail job's queue: stored files not yet looked at. Few rows (new clips, or a backfill in progress), so a
        // partial index that holds only those (docs/decisions/020-thumbnails.md).
        builder.HasIndex(x => x.Id).HasFilter("storage_key IS NOT NULL AND thumbnail_state IS NULL")
            .HasDatabaseName("ix_clips_thumbnails_pending");
        // The checksum backfill's queue: stored files without a CRC-32, i.e. stored before the archive recorded one. Every
        // file stored since comes with its CRC-32, so the index empties as the backfill goes and a run on it then costs
        // nothing (docs/decisions/033-checksum-backfill.md). Named: another index on id exists with another filter.
        builder.HasIndex(x => x.Id, "ix_clips_crc32_pending").HasFilter("storage_key IS NOT NULL AND crc32 IS NULL")
            .HasDatabaseName("ix_clips_crc32_pending");
        // The member cleanup looks for clips by author across guilds (users left with no clip are removed).
        // Also a member's own clips, newest first ("My clips", GET /api/me/clips).
        builder.HasIndex(x => new { x.AuthorId, x.PostedAt, x.Id }).IsDescending(false, true, true);
    }
}

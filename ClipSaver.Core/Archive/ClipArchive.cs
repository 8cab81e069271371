namespace ClipSaver.Core.Archive;

/// <summary>Who posted clips of a page, and when first and last.</summary>
public sealed record ClipAuthor(long Id, string Username, string? GlobalName, string? Avatar, DateTimeOffset FirstPosted, DateTimeOffset LastPosted);

/// <summary>A clip's file, stored and ready to be attached to its row, with the checksums computed as it was stored.</summary>
public sealed record AttachedFile(long ClipId, string Key, string Sha256, uint Crc32, long SizeBytes);

/// <summary>What an insert of clips did: each clip's new id (null when skipped), and how many were skipped because their authors opted out.</summary>
public sealed record ClipAddition(IReadOnlyList<long?> Ids, int SkippedOptedOut);

/// <summary>What a deletion removed: clip rows, and the files that were still there.</summary>
public sealed record ClipDeletion(long Clips, long Files);

/// <summary>One batch of a deletion, counted inside its transaction: clip rows, the files they had, and those files' bytes.</summary>
public sealed record ClipDeletionBatch(long Clips, long Files, long Bytes);

/// <summary>
/// The one owner of clip bookkeeping. Every insert and delete of clips goes through here, together with what is kept
/// beside them in the same transaction: the channel counters (<c>clip_count</c>, <c>clip_bytes</c>) and the per-day
/// counts (<c>clip_days</c>). Writers enter the purge fence first (<see cref="EnterForWriteAsync"/>): a scan for its page, this
/// class itself for its batches of deletes. A purge's bulk delete of a scope is <see cref="ClipSweep"/>, after which
/// <see cref="EmptyChannelsAsync"/> sets the scope's bookkeeping back to nothing.
/// </summary>
public sealed partial class ClipArchive(ClipSaverDbContext db, IClipStorage storage)
{
    /// <summary>
    /// Records the authors of a page's clips as users and as members of the guild (inside the page's transaction); a
    /// user who opted out is not recorded as a member. In
    /// id order, one statement each: scans of other channels upsert the same users, and a common order means they wait
    /// for each other instead of deadlocking.
    /// </summary>
    public async Task AddAuthorsAsync(long guildId, IReadOnlyList<ClipAuthor> authors, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (authors.Count == 0)
        {
            return;
        }

        var sorted = authors.OrderBy(a => a.Id).ToList();
        var ids = sorted.Select(a => a.Id).ToArray();
        var names = sorted.Select(a => a.Username).ToArray();
        var globals = sorted.Select(a => a.GlobalName).ToArray();
        var avatars = sorted.Select(a => a.Avatar).ToArray();
        await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO users (id, username, global_name, avatar_hash, created_at)
            SELECT u.id, u.username, u.global_name, u.avatar_hash, {now} FROM unnest({ids}, {names}, {globals}, {avatars}) AS u(id, username, global_name, avatar_hash)
            ORDER BY u.id
            ON CONFLICT (id) DO UPDATE SET username = excluded.username, global_name = excluded.global_name, avatar_hash = excluded.avatar_hash
            WHERE (users.username, users.global_name, users.avatar_hash) IS DISTINCT FROM (excluded.username, excluded.global_name, excluded.avatar_hash)
            """, cancellationToken);
        var first = sorted.Select(a => a.FirstPosted).ToArray();
        var last = sorted.Select(a => a.LastPosted).ToArray();
        await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO guild_members (guild_id, user_id, first_seen_at, last_seen_at)
            SELECT {guildId}, m.user_id, m.first_seen, m.last_seen FROM unnest({ids}, {first}, {last}) AS m(user_id, first_seen, last_seen)
            WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = m.user_id AND u.opted_out_at IS NOT NULL)
            ORDER BY m.user_id
            ON CONFLICT (guild_id, user_id) DO UPDATE SET first_seen_at = least(guild_members.first_seen_at, excluded.first_seen_at),
                last_seen_at = greatest(guild_members.last_seen_at, excluded.last_seen_at)
            WHERE excluded.first_seen_at < guild_members.first_seen_at OR excluded.last_seen_at > guild_members.last_seen_at
            """, cancellationToken);
    }

    /// <summary>
    /// Inserts a scan's (or an event's) new clips of one channel (inside the page's transaction, behind the fence) and
    /// counts them in the channel's counter and today's <c>clip_days</c>. A clip already archived (same attachment or
    /// embed), or posted by someone who opted out, is skipped: its id in the answer is null.
    /// </summary>
    public async Task<IReadOnlyList<long?>> AddAsync(long guildId, long channelId, IReadOnlyList<Clip> clips, DateTimeOffset now, CancellationToken cancellationToken) =>
        (await AddCountingAsync(guildId, channelId, clips, now, cancellationToken)).Ids;

    /// <summary>
    /// <see cref="AddAsync"/>, also saying how many clips were skipped because their authors opted out. This is the one
    /// place that honours an opt-out (docs/decisions/018-members-own-data.md): every way a clip comes in passes here,
    /// and the skip is counted on the channel in the same transaction, as a number and never a name.
    /// </summary>
    public async Task<ClipAddition> AddCountingAsync(long guildId, long channelId, IReadOnlyList<Clip> clips, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var authors = clips.Select(c => c.AuthorId).Distinct().ToList();
        var optedOut = authors.Count == 0 ? [] : (await db.Users.Where(u => authors.Contains(u.Id) && u.OptedOutAt != null).Select(u => u.Id).ToListAsync(cancellationToken)).ToHashSet();
        var ids = new List<long?>(clips.Count);
        var skipped = 0;
        foreach (var c in clips)
        {
            if (optedOut.Contains(c.AuthorId))
            {
                ids.Add(null);
                skipped++;
                continue;
            }

            var inserted = await db.Database.SqlQuery<long>(
                $"""
                INSERT INTO clips (guild_id, channel_id, message_id, source, attachment_id, embed_url, author_id, file_name, content_type, size_bytes,
                    duration_secs, width, height, discord_clip_flag, posted_at, archived_at, skip_reason)
                VALUES ({guildId}, {channelId}, {c.MessageId}, {(c.Source == ClipSource.Embed ? "embed" : "attachment")}, {c.AttachmentId}, {c.EmbedUrl}, {c.AuthorId},
                    {c.FileName}, {c.ContentType}, {c.SizeBytes}, {c.DurationSecs}, {c.Width}, {c.Height}, {c.DiscordClipFlag}, {c.PostedAt}, {now}, {c.SkipReason})
                ON CONFLICT DO NOTHING
                RETURNING id
                """).ToListAsync(cancellationToken);
            ids.Add(inserted.Count == 1 ? inserted[0] : null);
        }

        var added = ids.Count(id => id is not null);
        if (added > 0)
        {
            var day = DateOnly.FromDateTime(now.UtcDateTime);
            await db.Database.ExecuteSqlAsync(
                $"INSERT INTO clip_days (guild_id, channel_id, day, clips) VALUES ({guildId}, {channelId}, {day}, {added}) ON CONFLICT (channel_id, day) DO UPDATE SET clips = clip_days.clips + excluded.clips",
                cancellationToken);
            await db.Channels.Where(c => c.Id == channelId).ExecuteUpdateAsync(s => s.SetProperty(c => c.ClipCount, c => c.ClipCount + added), cancellationToken);
        }

        if (skipped > 0)
        {
            await db.Channels.Where(c => c.Id == channelId).ExecuteUpdateAsync(s => s.SetProperty(c => c.ClipsSkippedOptedOut, c => c.ClipsSkippedOptedOut + skipped), cancellationToken);
        }

        return new ClipAddition(ids, skipped);
    }

    /// <summary>
    /// Attaches stored files to their rows (inside the scan's transaction, behind the fence) and adds their bytes to the
    /// channel. Returns the clips that took their file; a row that is gone (purged meanwhile) or already has one does not.
    /// </summary>
    public async Task<IReadOnlySet<long>> AttachFilesAsync(long channelId, IReadOnlyList<AttachedFile> files, CancellationToken cancellationToken)
    {
        var ids = files.Select(f => f.ClipId).ToArray();
        var keys = files.Select(f => f.Key).ToArray();
        var hashes = files.Select(f => f.Sha256).ToArray();
        // The column is a signed int (the database has no unsigned one): the CRC's 32 bits as they are.
        var crcs = files.Select(f => unchecked((int)f.Crc32)).ToArray();
        var sizes = files.Select(f => f.SizeBytes).ToArray();
        var attached = (await db.Database.SqlQuery<long>(
            $"""
            UPDATE clips c SET storage_key = x.key, sha256 = x.sha256, crc32 = x.crc32, size_bytes = x.size
            FROM unnest({ids}, {keys}, {hashes}, {crcs}, {sizes}) AS x(id, key, sha256, crc32, size)
            WHERE c.id = x.id AND c.storage_key IS NULL
            RETURNING c.id AS "Value"
            """).ToListAsync(cancellationToken)).ToHashSet();
        var bytes = files.Where(f => attached.Contains(f.ClipId)).Sum(f => f.SizeBytes);
        if (bytes > 0)
        {
            await db.Channels.Where(c => c.Id == channelId).ExecuteUpdateAsync(s => s.SetProperty(c => c.ClipBytes, c => c.ClipBytes + bytes), cancellationToken);
        }

        return attached;
    }

    /// <summary>Records why clips' files will not be stored (too large, gone from Discord).</summary>
    public Task<int> SkipFilesAsync(IReadOnlyList<(long ClipId, string Reason)> skipped, CancellationToken cancellationToken)
    {
        var ids = skipped.Select(s => s.ClipId).ToArray();
        var reasons = skipped.Select(s => s.Reason).ToArray();
        return db.Database.ExecuteSqlAsync($"UPDATE clips c SET skip_reason = x.reason FROM unnest({ids}, {reasons}) AS x(id, reason) WHERE c.id = x.id", cancellationToken);
    }

    /// <summary>
    /// A clip whose file is missing or wrong goes back to "file pending" (the channel's next scan downloads it again):
    /// its bytes leave the channel's counter in the same transaction. False when it had no file (any more). No fence:
    /// the row stays, and a purge that deletes it meanwhile leaves nothing to update; a purge sets the counters to zero
    /// only after its last row is gone. The thumbnail is made again from the file that replaces it (its state goes back to
    /// none); the caller deletes the old picture with the file.
    /// </summary>
    public async Task<bool> DetachFileAsync(long clipId, CancellationToken cancellationToken)
    {
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
        var clip = await db.Clips.Where(c => c.Id == clipId && c.StorageKey != null).Select(c => new { c.ChannelId, c.SizeBytes }).FirstOrDefaultAsync(cancellationToken);
        var reset = clip is null ? 0 : await db.Clips.Where(c => c.Id == clipId && c.StorageKey != null)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.StorageKey, (string?)null).SetProperty(c => c.Sha256, (string?)null).SetProperty(c => c.Crc32, (int?)null)
                .SetProperty(c => c.ThumbnailState, (ThumbnailState?)null).SetProperty(c => c.ThumbnailAttempts, 0).SetProperty(c => c.ThumbnailClaimedUntil, (DateTimeOffset?)null), cancellationToken);
        if (reset == 1 && clip is not null)
        {
            await db.Channels.Where(c => c.Id == clip.ChannelId).ExecuteUpdateAsync(s => s.SetProperty(c => c.ClipBytes, c => c.ClipBytes - clip.SizeBytes), cancellationToken);
        }

        await tx.CommitAsync(cancellationToken);
        return reset == 1;
    }

    /// <summary>
    /// Deletes the guild's clips among <paramref name="clips"/>, <paramref name="batchSize"/> at a time, each batch one
    /// transaction behind the fence with its counters and per-day counts; the files go after each commit. Clips in a
    /// channel that a running purge covers are left to that purge. Safe to run twice at once: each copy counts only the
    /// rows it deleted itself.
    /// </summary>
    public Task<ClipDeletion> DeleteAsync(long guildId, IQueryable<Clip> clips, int batchSize, CancellationToken cancellationToken) =>
        DeleteAsync(guildId, clips, batchSize, null, cancellationToken);

    /// <summary>
    /// <see cref="DeleteAsync(long, IQueryable{Clip}, int, CancellationToken)"/>, telling <paramref name="counted"/> each
    /// batch inside its transaction before the commit (clips, stored files, their bytes), so that a run's report counts
    /// exactly the rows that went.
    /// </summary>
    public async Task<ClipDeletion> DeleteAsync(long guildId, IQueryable<Clip> clips, int batchSize, Func<ClipDeletionBatch, CancellationToken, Task>? counted, CancellationToken cancellationToken)
    {
        var purging = new HashSet<long>();
        long deleted = 0, files = 0;
        while (true)
        {
            List<DeletedClip> gone;
            var skip = purging.ToArray();
            await using (var tx = await db.Database.BeginTransactionAsync(cancellationToken))
            {
                var batch = await clips.Where(c => c.GuildId == guildId && !skip.Contains(c.ChannelId)).OrderBy(c => c.Id).Take(batchSize)
                    .Select(c => new { c.Id, c.ChannelId }).ToListAsync(cancellationToken);
                if (batch.Count == 0)
                {
                    break;
                }

                var allowed = await ClipArchive.EnterForWriteAsync(db, guildId, [.. batch.Select(c => c.ChannelId).Distinct()], cancellationToken);
                purging.UnionWith(batch.Select(c => c.ChannelId).Where(id => !allowed.Contains(id)));
                gone = await DeleteRowsAsync([.. batch.Where(c => allowed.Contains(c.ChannelId)).Select(c => c.Id)], counted, cancellationToken);
                await tx.CommitAsync(cancellationToken);
            }

            deleted += gone.Count;
            foreach (var key in gone.Where(c => c.StorageKey != null).Select(c => c.StorageKey!))
            {
                files += await storage.DeleteAsync(key, cancellationToken) ? 1 : 0;
                // Its poster goes with it; it is part of the clip, not a file of its own in the counts.
                await storage.DeleteAsync(ClipStorageKeys.ThumbnailOf(key), cancellationToken);
            }
        }

        return new ClipDeletion(deleted, files);
    }

    /// <summary>Deletes clip rows by id inside the caller's transaction, with their counters and per-day counts, and tells <paramref name="counted"/>.</summary>
    private async Task<List<DeletedClip>> DeleteRowsAsync(long[] ids, Func<ClipDeletionBatch, CancellationToken, Task>? counted, CancellationToken cancellationToken)
    {
        var gone = await db.Database.SqlQuery<DeletedClip>(
            $"""DELETE FROM clips WHERE id = ANY({ids}) RETURNING channel_id, storage_key, size_bytes, archived_at""")
            .ToListAsync(cancellationToken);
        await UncountAsync(gone, cancellationToken);
        if (counted is not null)
        {
            var stored = gone.Where(c => c.StorageKey != null).ToList();
            await counted(new ClipDeletionBatch(gone.Count, stored.Count, stored.Sum(c => c.SizeBytes)), cancellationToken);
        }

        return gone;
    }

    private sealed record DeletedClip(long ChannelId, string? StorageKey, long SizeBytes, DateTimeOffset ArchivedAt);

    /// <summary>Takes deleted clips off their channels' counters and their days' counts.</summary>
    private async Task UncountAsync(List<DeletedClip> gone, CancellationToken cancellationToken)
    {
        foreach (var channel in gone.GroupBy(c => c.ChannelId))
        {
            var count = channel.LongCount();
            var bytes = channel.Where(c => c.StorageKey != null).Sum(c => c.SizeBytes);
            await db.Channels.Where(c => c.Id == channel.Key).ExecuteUpdateAsync(
                s => s.SetProperty(c => c.ClipCount, c => c.ClipCount - count).SetProperty(c => c.ClipBytes, c => c.ClipBytes - bytes), cancellationToken);
        }

        foreach (var day in gone.GroupBy(c => (c.ChannelId, Day: DateOnly.FromDateTime(c.ArchivedAt.UtcDateTime))))
        {
            var count = day.Count();
            await db.ClipDays.Where(d => d.ChannelId == day.Key.ChannelId && d.Day == day.Key.Day).ExecuteUpdateAsync(s => s.SetProperty(d => d.Clips, d => d.Clips - count), cancellationToken);
        }
    }

    /// <summary>
    /// After a purge swept a scope's clips (<paramref name="channelIds"/>, or the whole guild for null): its per-day
    /// counts go, its counters are zero, and its channels start again from nothing with archiving switched off, so a
    /// purged channel does not fill up again by itself (docs/decisions/006-purge-fence.md). Returns the days deleted.
    /// </summary>
    public async Task<int> EmptyChannelsAsync(long guildId, long[]? channelIds, CancellationToken cancellationToken)
    {
        var days = await db.ClipDays.Where(d => d.GuildId == guildId && (channelIds == null || channelIds.Contains(d.ChannelId))).ExecuteDeleteAsync(cancellationToken);
        await db.Channels.Where(c => c.GuildId == guildId && (channelIds == null || channelIds.Contains(c.Id)))
            .ExecuteUpdateAsync(s => s
                .SetProperty(c => c.ClipCount, 0)
                .SetProperty(c => c.ClipBytes, 0)
                .SetProperty(c => c.IsReading, false)
                .SetProperty(c => c.NewestScannedMessageId, (long?)null)
                .SetProperty(c => c.BackfillBeforeId, (long?)null)
                .SetProperty(c => c.BackfillComplete, false), cancellationToken);
        return days;
    }
}

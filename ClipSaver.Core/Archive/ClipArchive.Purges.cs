namespace ClipSaver.Core.Archive;

/// <summary>The archive's side of a narrower purge (older clips, failed downloads: docs/decisions/021-narrower-purges.md).</summary>
public sealed partial class ClipArchive
{
    /// <summary>
    /// For a narrower purge that holds its scope (its run is running and the writers were drained, <see cref="ClipArchive.DrainWritersAsync"/>):
    /// deletes the guild's clips among <paramref name="clips"/>, <paramref name="batchSize"/> at a time. Each batch's
    /// files go first, then its rows in one transaction with their counters, per-day counts and <paramref name="counted"/>:
    /// a crash in between leaves rows whose files are gone, which the retry deletes, and never a file without its row.
    /// Returns how many clips this copy deleted.
    /// </summary>
    public async Task<long> DeleteHeldAsync(long guildId, IQueryable<Clip> clips, int batchSize, Func<ClipDeletionBatch, CancellationToken, Task> counted, CancellationToken cancellationToken)
    {
        long deleted = 0;
        while (true)
        {
            var batch = await clips.Where(c => c.GuildId == guildId).OrderBy(c => c.Id).Take(batchSize).Select(c => new { c.Id, c.StorageKey }).ToListAsync(cancellationToken);
            if (batch.Count == 0)
            {
                return deleted;
            }

            foreach (var key in batch.Select(c => c.StorageKey).OfType<string>())
            {
                await storage.DeleteAsync(key, cancellationToken);
            }

            await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
            deleted += (await DeleteRowsAsync([.. batch.Select(c => c.Id)], counted, cancellationToken)).Count;
            await tx.CommitAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Sets the counters and per-day counts of <paramref name="channelIds"/> to what their rows hold, in one transaction:
    /// a narrower purge's last word on its scope, so that they are right even where they had drifted. Writers must be
    /// fenced out (the caller holds the scope). Returns how many per-day rows went (days left without clips).
    /// </summary>
    public async Task<int> RecountAsync(long guildId, long[] channelIds, CancellationToken cancellationToken)
    {
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
        var before = await db.ClipDays.CountAsync(d => d.GuildId == guildId && channelIds.Contains(d.ChannelId), cancellationToken);
        await db.Database.ExecuteSqlAsync(
            $"""
            UPDATE channels ch SET clip_count = coalesce(x.n, 0), clip_bytes = coalesce(x.b, 0)
            FROM unnest({channelIds}) AS s(id)
            LEFT JOIN (SELECT channel_id, count(*) AS n, sum(size_bytes) FILTER (WHERE storage_key IS NOT NULL) AS b
                       FROM clips WHERE guild_id = {guildId} AND channel_id = ANY({channelIds}) GROUP BY channel_id) x ON x.channel_id = s.id
            WHERE ch.id = s.id AND ch.guild_id = {guildId}
            """, cancellationToken);
        await db.ClipDays.Where(d => d.GuildId == guildId && channelIds.Contains(d.ChannelId)).ExecuteDeleteAsync(cancellationToken);
        var after = await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO clip_days (guild_id, channel_id, day, clips)
            SELECT {guildId}, channel_id, (archived_at AT TIME ZONE 'UTC')::date, count(*) FROM clips
            WHERE guild_id = {guildId} AND channel_id = ANY({channelIds}) GROUP BY channel_id, (archived_at AT TIME ZONE 'UTC')::date
            """, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return Math.Max(0, before - after);
    }
}

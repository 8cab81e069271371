namespace ClipSaver.Tests.Foundation;

/// <summary>
/// The jobs' lookups on <c>clips</c> can use their indexes (docs/decisions/014-job-indexes.md): the SQL EF Core sends
/// for each, explained with sequential scans priced out, names the index. A changed query that no longer matches a
/// partial index's predicate, or a dropped index, fails here. The measured plans are in the decision record.
/// </summary>
public sealed class JobIndexesTests : DatabaseTestBase
{

    private async Task<string> PlanAsync(Func<ClipSaverDbContext, IQueryable> query)
    {
        await using var db = Db.CreateContext();
        await db.Database.OpenConnectionAsync();
        await db.Database.ExecuteSqlRawAsync("SET enable_seqscan = off");
        await using var command = query(db).CreateDbCommand();
        command.CommandText = "EXPLAIN " + command.CommandText;
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }

        return string.Join("\n", lines);
    }

    [Fact]
    public async Task The_scans_pending_files_of_a_channel_use_the_partial_index()
    {
        const long channelId = 1001;

        // As ScanJob.DownloadPendingAsync asks.
        var plan = await PlanAsync(db => db.Clips.AsNoTracking()
            .Where(c => c.ChannelId == channelId && c.Source == ClipSource.Attachment && c.StorageKey == null && c.SkipReason == null)
            .Select(c => new { c.Id, c.MessageId, c.AttachmentId }));

        Assert.Contains("ix_clips_pending_files", plan, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_orphan_scans_lookup_of_stored_keys_uses_the_storage_key_index()
    {
        List<string> keys = ["1/2/3.mp4", "1/2/4.mp4"];

        // As OrphanScan.FilesWithoutClipAsync asks, and its check before a delete.
        var batch = await PlanAsync(db => db.Clips.Where(c => c.StorageKey != null && keys.Contains(c.StorageKey)).Select(c => c.StorageKey!));
        var one = await PlanAsync(db => db.Clips.Where(c => c.StorageKey == keys[0]).Select(c => c.Id).Take(1));

        Assert.Contains("ix_clips_storage_key", batch, StringComparison.Ordinal);
        Assert.Contains("ix_clips_storage_key", one, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_checksum_backfills_queue_uses_its_partial_index()
    {
        const long after = 42;

        // As ChecksumBackfillJob reads a batch.
        var plan = await PlanAsync(db => db.Clips.AsNoTracking().Where(c => c.StorageKey != null && c.Crc32 == null && c.Id > after).OrderBy(c => c.Id).Take(200)
            .Select(c => new { c.Id, c.StorageKey, c.SizeBytes, c.Sha256 }));

        Assert.Contains("ix_clips_crc32_pending", plan, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_member_cleanups_clips_by_author_use_the_author_index()
    {
        const long authorId = 42;

        // The "no clip by this author" test of MemberCleanupJob.RemoveLoneUsersAsync, for one user.
        var plan = await PlanAsync(db => db.Clips.Where(c => c.AuthorId == authorId).Select(c => c.Id).Take(1));

        Assert.Contains("ix_clips_author_id", plan, StringComparison.Ordinal);
    }
}

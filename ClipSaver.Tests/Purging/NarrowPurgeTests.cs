namespace ClipSaver.Tests.Purging;

/// <summary>
/// Narrower purges (decision 021): clips older than a day, or failed downloads only, of one channel or of all channels.
/// Both sides are checked: what went (rows, files) and what stays (rows, files, counters, per-day counts, archiving).
/// </summary>
public class NarrowPurgeTests : PurgeFixture
{
    /// <summary>Channel A's clips were posted 0 to 22 days before the test's clock (12:00 UTC): before 13 Nov are the 12 oldest.</summary>
    private static readonly DateOnly Cutoff = new(2026, 11, 13);

    [Fact]
    public async Task An_older_than_purge_of_a_channel_deletes_only_its_older_clips_and_their_files_and_the_channel_stays_archived()
    {
        await MakeBookkeepingRightAsync();
        var otherChannel = await ChannelSnapshotAsync(ChannelB);
        var otherGuild = await SnapshotAsync(OtherGuildId);
        var before = new DateTimeOffset(Cutoff.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        List<Clip> doomed, kept;
        long cursor;
        await using (var context = Db.CreateContext())
        {
            var all = await context.Clips.AsNoTracking().Where(c => c.ChannelId == ChannelA).ToListAsync();
            (doomed, kept) = (all.Where(c => c.PostedAt < before).ToList(), all.Where(c => c.PostedAt >= before).ToList());
            cursor = 987_654_321;
            await context.Channels.Where(c => c.Id == ChannelA).ExecuteUpdateAsync(s => s.SetProperty(c => c.NewestScannedMessageId, cursor));
            var preview = await PurgePreview.CountAsync(context, GuildId, PurgeScope.Channel, ChannelA, CancellationToken.None, new PurgeFilter(Cutoff, false));
            Assert.Equal((12, 12, doomed.Sum(c => c.SizeBytes), 0), (preview.Clips, preview.Files, preview.Bytes, preview.ScanRuns));
        }

        var run = await RequestDueAsync(PurgeScope.Channel, ChannelA, filter: new PurgeFilter(Cutoff, false));
        await RunJobAsync(run);

        await using var after = Db.CreateContext();
        var left = await after.Clips.AsNoTracking().Where(c => c.ChannelId == ChannelA).OrderBy(c => c.Id).Select(c => c.Id).ToListAsync();
        Assert.Equal(kept.Select(c => c.Id).Order(), left);
        foreach (var clip in doomed)
        {
            Assert.Null(await Storage.GetInfoAsync(clip.StorageKey!, CancellationToken.None));
        }

        foreach (var clip in kept)
        {
            Assert.NotNull(await Storage.GetInfoAsync(clip.StorageKey!, CancellationToken.None));
        }

        var channel = await after.Channels.AsNoTracking().SingleAsync(c => c.Id == ChannelA);
        Assert.True(channel.IsReading);
        Assert.Equal(cursor, channel.NewestScannedMessageId);
        Assert.NotNull(channel.PurgeCooldownUntil);
        await AssertBookkeepingRightAsync(after, ChannelA, kept.Count, kept.Sum(c => c.SizeBytes));
        Assert.Equal(2, await after.ScanRuns.CountAsync(r => r.ChannelId == ChannelA && r.Status != ScanStatus.Queued));
        Assert.True(await after.ScanRuns.AnyAsync(r => r.ChannelId == ChannelA && r.Status == ScanStatus.Queued), "the channel's scans start again");
        Assert.Equal(otherChannel, await ChannelSnapshotAsync(ChannelB));
        Assert.Equal(otherGuild, await SnapshotAsync(OtherGuildId));

        var stored = await after.PurgeRuns.AsNoTracking().SingleAsync();
        Assert.Equal((PurgeStatus.Completed, Cutoff, false), (stored.Status, stored.OlderThan, stored.FailedOnly));
        var report = PurgeReport.Parse(stored.ReportJson);
        Assert.Equal((12L, 12L, doomed.Sum(c => c.SizeBytes), true), (report.ClipsDeleted, report.FilesDeleted, report.BytesDeleted, report.VerificationOk));
        Assert.False(report.RowsDeleted.ContainsKey("scan_runs"));
        var audit = await after.AuditEvents.SingleAsync(e => e.Action == "purge.completed");
        Assert.Contains("clips posted before 13 Nov 2026 in #clips-a", audit.Summary, StringComparison.Ordinal);

        // The narrower purge shares the channel's 24-hour cooldown with the whole channel's purge.
        var again = await Request(after).RunAsync(OwnerActor, GuildId, PurgeScope.Channel, ChannelA, "clips-a", CancellationToken.None);
        Assert.IsType<PurgeResult.CoolingDown>(again);
    }

    [Fact]
    public async Task A_failed_downloads_purge_of_all_channels_deletes_only_clips_whose_file_could_not_be_archived()
    {
        var (failedA, pendingA) = await MarkFailedAsync(ChannelA, 3, pending: 2);
        var (failedB, _) = await MarkFailedAsync(ChannelB, 1, pending: 0);
        await MarkFailedAsync(ChannelC, 2, pending: 0);
        await MakeBookkeepingRightAsync();
        var otherGuild = await SnapshotAsync(OtherGuildId);
        var files = await Storage.ListAsync(ClipStorageKeys.GuildPrefix(GuildId), CancellationToken.None).Select(f => f.Key).ToListAsync();

        var run = await RequestDueAsync(PurgeScope.AllChannels, filter: new PurgeFilter(null, true));
        await RunJobAsync(run);

        await using var after = Db.CreateContext();
        Assert.Equal(0, await after.Clips.CountAsync(c => failedA.Contains(c.Id) || failedB.Contains(c.Id)));
        Assert.Equal(23 - 3, await after.Clips.CountAsync(c => c.ChannelId == ChannelA));
        Assert.Equal(11 - 1, await after.Clips.CountAsync(c => c.ChannelId == ChannelB));
        Assert.Equal(pendingA.Count, await after.Clips.CountAsync(c => pendingA.Contains(c.Id)));
        Assert.Equal(files.Order(), (await Storage.ListAsync(ClipStorageKeys.GuildPrefix(GuildId), CancellationToken.None).Select(f => f.Key).ToListAsync()).Order());
        Assert.Equal(otherGuild, await SnapshotAsync(OtherGuildId));
        foreach (var channel in new[] { ChannelA, ChannelB })
        {
            var rows = await after.Clips.Where(c => c.ChannelId == channel).ToListAsync();
            await AssertBookkeepingRightAsync(after, channel, rows.Count, rows.Where(c => c.StorageKey != null).Sum(c => c.SizeBytes));
            Assert.True(await after.Channels.Where(c => c.Id == channel).Select(c => c.IsReading).SingleAsync());
        }

        Assert.NotNull(await after.Guilds.Where(g => g.Id == GuildId).Select(g => g.AllChannelsPurgeCooldownUntil).SingleAsync());
        var report = PurgeReport.Parse((await after.PurgeRuns.AsNoTracking().SingleAsync()).ReportJson);
        Assert.Equal((4L, 0L, true), (report.ClipsDeleted, report.FilesDeleted, report.VerificationOk));
    }

    [Fact]
    public async Task Scans_cannot_write_into_the_channel_while_its_narrower_purge_runs_and_can_again_after()
    {
        var run = await RequestDueAsync(PurgeScope.Channel, ChannelA, filter: new PurgeFilter(Cutoff, false));
        await RunJobAsync(run, afterStep: async step =>
        {
            if (step is "stopping_scans" or "deleting_clips")
            {
                await using var scan = Db.CreateContext();
                await using var tx = await scan.Database.BeginTransactionAsync();
                Assert.False(await ClipArchive.TryEnterForWriteAsync(scan, GuildId, ChannelA, CancellationToken.None));
                Assert.True(await ClipArchive.TryEnterForWriteAsync(scan, GuildId, ChannelB, CancellationToken.None));
            }
        });

        await using var context = Db.CreateContext();
        await using var after = await context.Database.BeginTransactionAsync();
        Assert.True(await ClipArchive.TryEnterForWriteAsync(context, GuildId, ChannelA, CancellationToken.None));
    }

    [Fact]
    public async Task A_crash_between_batches_of_a_narrower_purge_ends_after_the_retry_as_if_none_happened()
    {
        await MakeBookkeepingRightAsync();
        var run = await RequestDueAsync(PurgeScope.Channel, ChannelA, filter: new PurgeFilter(Cutoff, false));
        // The first batch (7 clips) goes; the second fails after 3 of its files, before its rows.
        await Assert.ThrowsAsync<InvalidOperationException>(() => RunJobAsync(run, storage: new FailingAfter(Storage, 7 + 3)));

        await RunJobAsync(run);

        await using var after = Db.CreateContext();
        var stored = await after.PurgeRuns.AsNoTracking().SingleAsync();
        var report = PurgeReport.Parse(stored.ReportJson);
        Assert.Equal((PurgeStatus.Completed, 12L, 12L, true), (stored.Status, report.ClipsDeleted, report.FilesDeleted, report.VerificationOk));
        var rows = await after.Clips.Where(c => c.ChannelId == ChannelA).ToListAsync();
        Assert.Equal(11, rows.Count);
        await AssertBookkeepingRightAsync(after, ChannelA, 11, rows.Sum(c => c.SizeBytes));
        Assert.Equal(11, await Storage.ListAsync(ClipStorageKeys.ChannelPrefix(GuildId, ChannelA), CancellationToken.None).CountAsync());
    }

    [Fact]
    public async Task Narrowing_options_that_cannot_be_are_refused_and_record_nothing()
    {
        await using var context = Db.CreateContext();
        var today = DateOnly.FromDateTime(Clock.GetUtcNow().UtcDateTime);
        var refused = new[]
        {
            await Request(context).RunAsync(OwnerActor, GuildId, PurgeScope.Channel, ChannelA, "clips-a", CancellationToken.None, new PurgeFilter(today.AddDays(1), false)),
            await Request(context).RunAsync(OwnerActor, GuildId, PurgeScope.Channel, ChannelA, "clips-a", CancellationToken.None, new PurgeFilter(today, true)),
            await Request(context).RunAsync(OwnerActor, GuildId, PurgeScope.Guild, null, PurgeScopes.GuildPhrase, CancellationToken.None, new PurgeFilter(null, true)),
        };

        Assert.All(refused, r => Assert.IsType<PurgeResult.BadFilter>(r));
        Assert.Contains("future", ((PurgeResult.BadFilter)refused[0]).Reason, StringComparison.Ordinal);
        Assert.False(await context.PurgeRuns.AnyAsync());
        Assert.Null(await context.Channels.Where(c => c.Id == ChannelA).Select(c => c.PurgeCooldownUntil).SingleAsync());

        // Today itself is not in the future: clips posted before today go.
        Assert.IsType<PurgeResult.Accepted>(await Request(context).RunAsync(OwnerActor, GuildId, PurgeScope.Channel, ChannelA, "clips-a", CancellationToken.None, new PurgeFilter(today, false)));
    }

    /// <summary>Makes the seeded channels' counters and per-day counts what their rows hold (archived the day they were posted).</summary>
    private async Task MakeBookkeepingRightAsync()
    {
        await using var context = Db.CreateContext();
        await context.Database.ExecuteSqlRawAsync("UPDATE clips SET archived_at = posted_at");
        await context.Database.ExecuteSqlRawAsync(
            """
            UPDATE channels ch SET clip_count = (SELECT count(*) FROM clips c WHERE c.channel_id = ch.id),
                clip_bytes = (SELECT coalesce(sum(size_bytes), 0) FROM clips c WHERE c.channel_id = ch.id AND storage_key IS NOT NULL);
            DELETE FROM clip_days;
            INSERT INTO clip_days (guild_id, channel_id, day, clips)
            SELECT guild_id, channel_id, (archived_at AT TIME ZONE 'UTC')::date, count(*) FROM clips GROUP BY 1, 2, 3;
            """);
    }

    private static async Task AssertBookkeepingRightAsync(ClipSaverDbContext context, long channelId, long clips, long bytes)
    {
        var channel = await context.Channels.AsNoTracking().SingleAsync(c => c.Id == channelId);
        Assert.Equal((clips, bytes), (channel.ClipCount, channel.ClipBytes));
        var days = await context.ClipDays.Where(d => d.ChannelId == channelId).ToListAsync();
        Assert.Equal(clips, days.Sum(d => d.Clips));
        Assert.All(days, d => Assert.True(d.Clips > 0, "no day is left without clips"));
        var posted = await context.Clips.Where(c => c.ChannelId == channelId).Select(c => c.ArchivedAt).ToListAsync();
        Assert.Equal(posted.Select(p => DateOnly.FromDateTime(p.UtcDateTime)).Distinct().Order(), days.Select(d => d.Day).Order());
    }

    /// <summary>Turns clips of a channel into failed downloads (no file, a skip reason) and pending ones (no file yet); returns their ids.</summary>
    private async Task<(List<long> Failed, List<long> Pending)> MarkFailedAsync(long channelId, int failed, int pending)
    {
        await using var context = Db.CreateContext();
        var clips = await context.Clips.Where(c => c.ChannelId == channelId).OrderBy(c => c.Id).Take(failed + pending).ToListAsync();
        foreach (var clip in clips)
        {
            await Storage.DeleteAsync(clip.StorageKey!, CancellationToken.None);
            (clip.StorageKey, clip.Sha256, clip.Crc32) = (null, null, null);
        }

        foreach (var clip in clips.Take(failed))
        {
            clip.SkipReason = "Larger than this server's 25 MB limit.";
        }

        await context.SaveChangesAsync();
        return ([.. clips.Take(failed).Select(c => c.Id)], [.. clips.Skip(failed).Select(c => c.Id)]);
    }

    /// <summary>Storage whose deletes fail after <paramref name="allowed"/> of them: a crash in the middle of a batch's files.</summary>
    private sealed class FailingAfter(IClipStorage inner, int allowed) : DelegatingClipStorage(inner)
    {
        private int _deletes;

        public override Task<bool> DeleteAsync(string key, CancellationToken cancellationToken) =>
            ++_deletes > allowed ? throw new InvalidOperationException("Storage went away.") : base.DeleteAsync(key, cancellationToken);
    }
}

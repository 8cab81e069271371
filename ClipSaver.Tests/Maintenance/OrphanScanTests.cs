namespace ClipSaver.Tests.Maintenance;

/// <summary>
/// The orphan scan on each kind of storage: the local folder (<see cref="OrphanScanOnLocalFolderTests"/>) and an
/// S3-protocol bucket (<see cref="OrphanScanOnS3Tests"/>). A stored file's age is its real write time (an S3 object's
/// Last-Modified cannot be set), so the clock starts at the real time and a test makes files old by moving the clock
/// past the grace age (<see cref="GraceAgePassesAsync"/>).
/// </summary>
public abstract class OrphanScanTests() : StorageTestBase(StartOfThisSecond())
{
    private JobStorage _jobs = null!;
    private long _guild;
    private long _channel;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _jobs = TestJobs.Storage(Db);
        (_guild, _channel) = await AddGuildWithChannelAsync();
        await using var context = Db.CreateContext();
        for (var i = 0; i < 3; i++)
        {
            await AddClipAsync(context, _guild, _channel, withFile: true);
        }
    }

    private OrphanScan NewScan(ClipSaverDbContext context) => new(
        context, new ClipSaverConnection(Db.ConnectionString), new ClipArchive(context, Storage), Storage, TestJobs.Client(_jobs),
        new StaticMonitor<ScanOptions>(new ScanOptions()), new StaticMonitor<OrphanScanOptions>(new OrphanScanOptions { FileGrace = Grace }), Clock,
        NullLogger<OrphanScan>.Instance);

    private static readonly TimeSpan Grace = TimeSpan.FromHours(6);

    private static DateTimeOffset StartOfThisSecond()
    {
        var now = DateTimeOffset.UtcNow;
        return new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
    }

    /// <summary>
    /// Moves the clock on so that every file stored so far is older than the grace age and every file stored
    /// afterwards is younger. The line between them is the next whole second of real time (a HEAD answer gives an
    /// object's Last-Modified to the second), and the test waits until it has passed, with a margin for the coarse
    /// clock a file system stamps files with.
    /// </summary>
    private async Task GraceAgePassesAsync()
    {
        var line = StartOfThisSecond().AddSeconds(1);
        // Never negative (Task.Delay would throw): the line may already be behind a test held up for a moment.
        var wait = line - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(50);
        await Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.Zero);
        Clock.SetUtcNow(line + Grace);
    }

    [Fact]
    public async Task A_healthy_installation_has_no_orphans()
    {
        await using var context = Db.CreateContext();

        var report = await NewScan(context).RunAsync(fix: false, verifyChecksums: true, CancellationToken.None);

        Assert.False(report.Skipped);
        Assert.Equal(0, report.Total);
        Assert.Equal(1, await context.AuditEvents.CountAsync(a => a.Action == OrphanScan.AuditAction));
    }

    [Fact]
    public async Task Each_planted_orphan_is_found_and_the_fix_removes_exactly_those()
    {
        long purgedClip, missingFileClip, wrongSizeClip, stuckScan, stuckPurge;
        await using (var context = Db.CreateContext())
        {
            var purged = TestData.Guild();
            purged.DeletedAt = Clock.GetUtcNow().AddDays(-1);
            purged.PurgedAt = Clock.GetUtcNow().AddDays(-1);
            var purgedChannel = TestData.Channel(purged.Id);
            context.AddRange(purged, purgedChannel);
            await context.SaveChangesAsync();
            purgedClip = await AddClipAsync(context, purged.Id, purgedChannel.Id, withFile: true);
            missingFileClip = await AddClipAsync(context, _guild, _channel, withFile: true);
            wrongSizeClip = await AddClipAsync(context, _guild, _channel, withFile: true);
            var missing = await context.Clips.Where(c => c.Id == missingFileClip).Select(c => c.StorageKey!).FirstAsync();
            await Storage.DeleteAsync(missing, CancellationToken.None);
            await context.Clips.Where(c => c.Id == wrongSizeClip).ExecuteUpdateAsync(s => s.SetProperty(c => c.SizeBytes, 1));
            // Both had their checksums, so that the fix is seen to clear them rather than find them never set.
            Assert.Equal(2, await context.Clips.CountAsync(c => (c.Id == missingFileClip || c.Id == wrongSizeClip) && c.Sha256 != null && c.Crc32 != null));
            await Storage.PutAsync($"{_guild}/{_channel}/999.mp4", new MemoryStream([1, 2, 3]), 100, CancellationToken.None);
            await GraceAgePassesAsync();

            var scan = TestData.ScanRun(_guild, _channel, ScanStatus.Running, null);
            scan.HeartbeatAt = Clock.GetUtcNow().AddHours(-2);
            var purge = TestData.PurgeRun(_guild, PurgeStatus.Running, null);
            purge.HeartbeatAt = Clock.GetUtcNow().AddHours(-2);
            context.AddRange(scan, purge);
            await context.SaveChangesAsync();
            (stuckScan, stuckPurge) = (scan.Id, purge.Id);
        }

        var before = await HealthySnapshotAsync();
        await using (var context = Db.CreateContext())
        {
            var report = await NewScan(context).RunAsync(fix: false, verifyChecksums: false, CancellationToken.None);
            Assert.Equal(1, Count(report, "clips_of_purged_guilds"));
            Assert.Equal(1, Count(report, "files_without_clip"));
            Assert.Equal(2, Count(report, "clips_with_bad_file"));
            Assert.Equal(1, Count(report, "stuck_scans"));
            Assert.Equal(1, Count(report, "stuck_purges"));
            Assert.Contains($"clip {purgedClip}", report.Kinds.Single(k => k.Kind == "clips_of_purged_guilds").Examples);
        }

        await using (var context = Db.CreateContext())
        {
            var fixedReport = await NewScan(context).RunAsync(fix: true, verifyChecksums: false, CancellationToken.None);
            Assert.True(fixedReport.Fixed);
        }

        await using (var check = Db.CreateContext())
        {
            Assert.False(await check.Clips.AnyAsync(c => c.Id == purgedClip));
            // Back to "file pending": the key goes, and with it the checksums of the file that was there, so that nothing
            // (an export copying by the stored CRC-32) trusts them for the file the next scan downloads.
            var detached = await check.Clips.AsNoTracking().Where(c => c.Id == missingFileClip || c.Id == wrongSizeClip).ToListAsync();
            Assert.Equal(2, detached.Count);
            Assert.All(detached, c => Assert.True(c.StorageKey is null && c.Sha256 is null && c.Crc32 is null, $"clip {c.Id}: {c.StorageKey}, {c.Sha256}, {c.Crc32}"));
            Assert.Null(await Storage.GetInfoAsync($"{_guild}/{_channel}/999.mp4", CancellationToken.None));
            var enqueued = _jobs.GetMonitoringApi().EnqueuedJobs("scan", 0, 10).Select(j => j.Value.Job.Args[0]).Concat(
                _jobs.GetMonitoringApi().EnqueuedJobs("purge", 0, 10).Select(j => j.Value.Job.Args[0])).ToList();
            Assert.Contains(stuckScan, enqueued);
            Assert.Contains(stuckPurge, enqueued);
        }

        // The healthy clips and their files were not touched.
        Assert.Equal(before, await HealthySnapshotAsync());
    }

    [Fact]
    public async Task A_file_a_scan_has_written_but_not_yet_attached_survives_the_fix_while_an_old_orphan_is_deleted()
    {
        // A scan downloads a page's files first and attaches them to their rows afterwards: in between, the newest
        // file has no clip. It was written just now, less than the grace age ago; the other orphan before it, longer
        // ago than the grace age.
        long pendingClip;
        string pendingKey;
        await using (var context = Db.CreateContext())
        {
            pendingClip = await AddClipAsync(context, _guild, _channel, withFile: false);
            var attachment = await context.Clips.Where(c => c.Id == pendingClip).Select(c => c.AttachmentId!.Value).FirstAsync();
            pendingKey = ClipStorageKeys.ForAttachment(_guild, _channel, attachment, "clip.mp4");
        }

        var oldKey = $"{_guild}/{_channel}/777.mp4";
        await Storage.PutAsync(oldKey, new MemoryStream([5, 6]), 100, CancellationToken.None);
        await GraceAgePassesAsync();
        var stored = await Storage.PutAsync(pendingKey, new MemoryStream([1, 2, 3, 4]), 100, CancellationToken.None);

        OrphanReport report;
        await using (var context = Db.CreateContext())
        {
            report = await NewScan(context).RunAsync(fix: true, verifyChecksums: false, CancellationToken.None);
        }

        var orphans = report.Kinds.Single(k => k.Kind == "files_without_clip");
        Assert.Equal(1, orphans.Count);
        Assert.Equal([oldKey], orphans.Examples);
        Assert.Null(await Storage.GetInfoAsync(oldKey, CancellationToken.None));
        Assert.NotNull(await Storage.GetInfoAsync(pendingKey, CancellationToken.None));

        // The scan attaches its file afterwards, and the clip is whole.
        await using (var context = Db.CreateContext())
        {
            await context.Clips.Where(c => c.Id == pendingClip).ExecuteUpdateAsync(s => s.SetProperty(c => c.StorageKey, pendingKey).SetProperty(c => c.Sha256, stored.Sha256)
                .SetProperty(c => c.Crc32, unchecked((int)stored.Crc32)).SetProperty(c => c.SizeBytes, stored.SizeBytes));
        }

        await using (var context = Db.CreateContext())
        {
            var after = await NewScan(context).RunAsync(fix: false, verifyChecksums: true, CancellationToken.None);
            Assert.Equal(0, after.Total);
        }
    }

    [Fact]
    public async Task A_file_without_a_clip_becomes_an_orphan_once_it_is_older_than_the_grace_age()
    {
        var key = $"{_guild}/{_channel}/888.mp4";
        await Storage.PutAsync(key, new MemoryStream([1]), 100, CancellationToken.None);

        // A minute short of the grace age (the clock started before the file was written): still young.
        Clock.Advance(Grace - TimeSpan.FromMinutes(1));
        await using (var context = Db.CreateContext())
        {
            var young = await NewScan(context).RunAsync(fix: true, verifyChecksums: false, CancellationToken.None);
            Assert.Equal(0, Count(young, "files_without_clip"));
        }

        Assert.NotNull(await Storage.GetInfoAsync(key, CancellationToken.None));
        await GraceAgePassesAsync();
        await using (var context = Db.CreateContext())
        {
            var old = await NewScan(context).RunAsync(fix: true, verifyChecksums: false, CancellationToken.None);
            Assert.Equal(1, Count(old, "files_without_clip"));
        }

        Assert.Null(await Storage.GetInfoAsync(key, CancellationToken.None));
    }

    [Fact]
    public async Task A_thumbnail_is_no_orphan_while_its_clip_has_the_file_goes_with_a_bad_file_and_is_one_without_its_clip()
    {
        // Posters beside the clips' files, written long ago, and one whose clip is gone.
        List<(long Id, string Key)> clips;
        await using (var context = Db.CreateContext())
        {
            clips = (await context.Clips.Where(c => c.StorageKey != null).OrderBy(c => c.Id).Select(c => new { c.Id, c.StorageKey }).ToListAsync())
                .Select(c => (c.Id, c.StorageKey!)).ToList();
            await context.Clips.ExecuteUpdateAsync(s => s.SetProperty(c => c.ThumbnailState, ThumbnailState.Made));
        }

        var strayClipKey = ClipStorageKeys.ForAttachment(_guild, _channel, TestData.NewId(), "gone.mp4");
        foreach (var key in clips.Select(c => c.Key).Append(strayClipKey).Select(ClipStorageKeys.ThumbnailOf))
        {
            await Storage.PutAsync(key, new MemoryStream([0xFF, 0xD8, 0xFF]), 100, CancellationToken.None);
        }

        await GraceAgePassesAsync();

        // One clip's file went missing: the fix sends it back to "file pending", and its poster goes too.
        var (badClip, badKey) = clips[0];
        await Storage.DeleteAsync(badKey, CancellationToken.None);

        await using (var context = Db.CreateContext())
        {
            var report = await NewScan(context).RunAsync(fix: false, verifyChecksums: true, CancellationToken.None);
            var orphans = report.Kinds.Single(k => k.Kind == "files_without_clip");
            Assert.Equal(1, orphans.Count);
            Assert.Equal([ClipStorageKeys.ThumbnailOf(strayClipKey)], orphans.Examples);
            Assert.Equal(1, Count(report, "clips_with_bad_file"));
        }

        await using (var context = Db.CreateContext())
        {
            await NewScan(context).RunAsync(fix: true, verifyChecksums: false, CancellationToken.None);
        }

        Assert.Null(await Storage.GetInfoAsync(ClipStorageKeys.ThumbnailOf(strayClipKey), CancellationToken.None));
        Assert.Null(await Storage.GetInfoAsync(ClipStorageKeys.ThumbnailOf(badKey), CancellationToken.None));
        foreach (var (_, key) in clips.Skip(1))
        {
            Assert.NotNull(await Storage.GetInfoAsync(ClipStorageKeys.ThumbnailOf(key), CancellationToken.None));
        }

        await using (var context = Db.CreateContext())
        {
            var bad = await context.Clips.AsNoTracking().SingleAsync(c => c.Id == badClip);
            Assert.Null(bad.StorageKey);
            Assert.Null(bad.ThumbnailState);
            Assert.Equal(0, (await NewScan(context).RunAsync(fix: false, verifyChecksums: true, CancellationToken.None)).Total);
        }
    }

    private static long Count(OrphanReport report, string kind) => report.Kinds.Single(k => k.Kind == kind).Count;

    private async Task<string> HealthySnapshotAsync()
    {
        await using var context = Db.CreateContext();
        var rows = await context.Clips.Where(c => c.GuildId == _guild && c.SizeBytes > 1 && c.StorageKey != null).OrderBy(c => c.Id)
            .Select(c => $"{c.Id}|{c.StorageKey}|{c.Sha256}|{c.Crc32}").Take(3).ToListAsync();
        var files = new List<string>();
        foreach (var key in rows.Select(r => r.Split('|')[1]))
        {
            files.Add($"{key}|{(await Storage.GetInfoAsync(key, CancellationToken.None))?.SizeBytes}");
        }

        return string.Join("\n", rows.Concat(files));
    }

    private async Task<long> AddClipAsync(ClipSaverDbContext context, long guildId, long channelId, bool withFile)
    {
        var attachment = TestData.NewId();
        var key = ClipStorageKeys.ForAttachment(guildId, channelId, attachment, "clip.mp4");
        var bytes = System.Security.Cryptography.RandomNumberGenerator.GetBytes(64);
        var stored = withFile ? await Storage.PutAsync(key, new MemoryStream(bytes), 1000, CancellationToken.None) : null;
        var author = TestData.NewId();
        context.Users.Add(new User { Id = author, Username = "a", CreatedAt = Clock.GetUtcNow() });
        var clip = TestData.Clip(
            guildId, channelId, author, "clip.mp4", bytes.Length, Clock.GetUtcNow(), archivedAt: Clock.GetUtcNow(), storageKey: stored?.Key, attachmentId: attachment,
            sha256: stored?.Sha256, crc32: stored?.Crc32);
        context.Clips.Add(clip);
        await context.SaveChangesAsync();
        return clip.Id;
    }
}

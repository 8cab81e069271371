using System.IO.Hashing;

namespace ClipSaver.Tests.Maintenance;

/// <summary>
/// The checksum backfill (docs/decisions/033-checksum-backfill.md) on the real PostgreSQL and a local folder: clips
/// stored before the archive recorded a CRC-32 get their file's, and nothing else is written.
/// </summary>
public sealed class ChecksumBackfillTests : DatabaseTestBase
{
    /// <summary>A CRC-32 no test file has, to see that a recorded one stays as it was.</summary>
    private const int Sentinel = 0x0BADF00D;

    private readonly ChecksumBackfillCursor _cursor = new();
    private long _guild;
    private long _channel;
    private long _author;

    private OpeningStorage Storage { get; set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Storage = new OpeningStorage(LocalFolderStorage("clipsaver-crc-"));
        (_guild, _channel) = await AddGuildWithChannelAsync();
        _author = await AddUserAsync("author");
    }

    /// <summary>
    /// A clip whose file (random bytes) is stored through the storage as a scan stores it, with its row then set back to
    /// how a clip stored before the column existed looks: no CRC-32 (and, when told, no SHA-256).
    /// </summary>
    private async Task<(long Id, string Key, byte[] Bytes)> OldClipAsync(int size = 5000, bool withSha256 = true)
    {
        var bytes = RandomNumberGenerator.GetBytes(size);
        var attachment = TestData.NewId();
        var key = ClipStorageKeys.ForAttachment(_guild, _channel, attachment, $"{attachment}.mp4");
        var stored = await Storage.PutAsync(key, new MemoryStream(bytes), 10_000_000, CancellationToken.None);
        await using var db = Db.CreateContext();
        var clip = TestData.Clip(_guild, _channel, _author, $"{attachment}.mp4", bytes.Length, Clock.GetUtcNow(), Clock.GetUtcNow(), "video/mp4", key, attachment, stored.Sha256, stored.Crc32);
        db.Clips.Add(clip);
        await db.SaveChangesAsync();
        await db.Clips.Where(c => c.Id == clip.Id).ExecuteUpdateAsync(s => s.SetProperty(c => c.Crc32, (int?)null).SetProperty(c => c.Sha256, c => withSha256 ? c.Sha256 : null));
        return (clip.Id, key, bytes);
    }

    /// <summary>One run of the job, as the schedule starts it on this instance (whose cursor runs on from run to run).</summary>
    private async Task<ChecksumBackfillReport> RunJobAsync(ChecksumBackfillOptions? settings = null, string storageKind = StorageOptions.LocalKind, CancellationToken cancellationToken = default)
    {
        await using var db = Db.CreateContext();
        var job = new ChecksumBackfillJob(db, new ClipSaverConnection(Db.ConnectionString), Storage, Options.Create(new StorageOptions { Kind = storageKind }), _cursor,
            new StaticMonitor<ChecksumBackfillOptions>(settings ?? new ChecksumBackfillOptions()), Clock, NullLogger<ChecksumBackfillJob>.Instance);
        return await job.RunAsync(cancellationToken);
    }

    private async Task<Clip?> ClipAsync(long id)
    {
        await using var db = Db.CreateContext();
        return await db.Clips.AsNoTracking().SingleOrDefaultAsync(c => c.Id == id);
    }

    private static int CrcOf(byte[] bytes) => unchecked((int)Crc32.HashToUInt32(bytes));

    [Fact]
    public async Task A_clip_stored_without_a_crc_gets_its_files_and_one_that_has_a_crc_keeps_it()
    {
        var old = await OldClipAsync();
        var recorded = await OldClipAsync();
        await using (var db = Db.CreateContext())
        {
            await db.Clips.Where(c => c.Id == recorded.Id).ExecuteUpdateAsync(s => s.SetProperty(c => c.Crc32, Sentinel));
        }

        var sha256 = (await ClipAsync(old.Id))!.Sha256;

        var report = await RunJobAsync();

        Assert.Equal(new ChecksumBackfillReport(false, 1, 0, 0, 0, 0, false), report);
        var after = (await ClipAsync(old.Id))!;
        Assert.Equal(CrcOf(old.Bytes), after.Crc32);
        Assert.Equal(sha256, after.Sha256);
        Assert.Equal(Sentinel, (await ClipAsync(recorded.Id))!.Crc32);
        Assert.Equal([old.Key], Storage.Opened);
    }

    /// <summary>An object store's exports compute each CRC as they read (decision 030): the backfill would only download the old archive.</summary>
    [Fact]
    public async Task On_an_object_store_the_backfill_reads_nothing_and_records_nothing()
    {
        var old = await OldClipAsync();

        var report = await RunJobAsync(storageKind: StorageOptions.S3Kind);

        Assert.True(report.NotNeeded);
        Assert.Equal(0, report.Recorded);
        Assert.Empty(Storage.Opened);
        Assert.Null((await ClipAsync(old.Id))!.Crc32);
    }

    [Fact]
    public async Task A_clip_without_a_sha256_gets_both_checksums_of_its_file()
    {
        var old = await OldClipAsync(withSha256: false);

        var report = await RunJobAsync();

        Assert.Equal(1, report.Recorded);
        var after = (await ClipAsync(old.Id))!;
        Assert.Equal(CrcOf(old.Bytes), after.Crc32);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(old.Bytes)), after.Sha256);
    }

    [Fact]
    public async Task A_file_that_is_not_what_its_row_says_keeps_no_crc_and_is_counted_mismatched()
    {
        // The same size, other bytes: only the SHA-256 tells.
        var damaged = await OldClipAsync();
        await Storage.PutAsync(damaged.Key, new MemoryStream(RandomNumberGenerator.GetBytes(damaged.Bytes.Length)), 10_000_000, CancellationToken.None);
        // Without a SHA-256 on its row, a file of another size is not the row's file either.
        var cut = await OldClipAsync(withSha256: false);
        await Storage.PutAsync(cut.Key, new MemoryStream(cut.Bytes[..100]), 10_000_000, CancellationToken.None);
        var before = await ClipAsync(damaged.Id);

        var report = await RunJobAsync();

        Assert.Equal(new ChecksumBackfillReport(false, 0, 2, 0, 0, 0, false), report);
        var after = (await ClipAsync(damaged.Id))!;
        Assert.Null(after.Crc32);
        Assert.Equal(before!.Sha256, after.Sha256);
        Assert.Null((await ClipAsync(cut.Id))!.Crc32);
        Assert.Null((await ClipAsync(cut.Id))!.Sha256);
    }

    [Fact]
    public async Task A_missing_file_is_counted_gone_and_nothing_is_written()
    {
        var missing = await OldClipAsync();
        await Storage.DeleteAsync(missing.Key, CancellationToken.None);
        var before = await ClipAsync(missing.Id);

        var report = await RunJobAsync();

        Assert.Equal(new ChecksumBackfillReport(false, 0, 0, 1, 0, 0, false), report);
        var after = await ClipAsync(missing.Id);
        Assert.Equal((before!.StorageKey, before.Sha256, before.Crc32, before.SizeBytes), (after!.StorageKey, after.Sha256, after.Crc32, after.SizeBytes));
    }

    [Fact]
    public async Task A_row_that_changed_between_the_read_and_the_write_is_not_written()
    {
        // Each row changes while the job reads its file, after the job read the batch: as a re-download under another
        // key, a detach (the orphan scan's fix), a purge, and another run that recorded the CRC first.
        var moved = await OldClipAsync();
        var detached = await OldClipAsync();
        var purged = await OldClipAsync();
        var raced = await OldClipAsync();
        Storage.OnOpen = async key =>
        {
            await using var db = Db.CreateContext();
            var rows = db.Clips.Where(c => c.StorageKey == key);
            if (key == moved.Key)
            {
                await rows.ExecuteUpdateAsync(s => s.SetProperty(c => c.StorageKey, key + ".again"));
            }
            else if (key == detached.Key)
            {
                await rows.ExecuteUpdateAsync(s => s.SetProperty(c => c.StorageKey, (string?)null));
            }
            else if (key == purged.Key)
            {
                await rows.ExecuteDeleteAsync();
            }
            else if (key == raced.Key)
            {
                await rows.ExecuteUpdateAsync(s => s.SetProperty(c => c.Crc32, Sentinel));
            }
        };

        var report = await RunJobAsync();

        Assert.Equal(new ChecksumBackfillReport(false, 0, 0, 0, 4, 0, false), report);
        Assert.Equal(4, Storage.Opened.Count);
        var movedRow = (await ClipAsync(moved.Id))!;
        Assert.Equal((moved.Key + ".again", (int?)null), (movedRow.StorageKey, movedRow.Crc32));
        var detachedRow = (await ClipAsync(detached.Id))!;
        Assert.Equal(((string?)null, (int?)null), (detachedRow.StorageKey, detachedRow.Crc32));
        Assert.Null(await ClipAsync(purged.Id));
        Assert.Equal(Sentinel, (await ClipAsync(raced.Id))!.Crc32);
    }

    [Fact]
    public async Task One_run_looks_at_most_at_its_bound_of_clips_and_the_next_run_finishes_the_rest()
    {
        var clips = new List<(long Id, string Key, byte[] Bytes)>();
        for (var i = 0; i < 5; i++)
        {
            clips.Add(await OldClipAsync(size: 1000 + i));
        }

        var settings = new ChecksumBackfillOptions { MaxClips = 3 };

        var first = await RunJobAsync(settings);

        Assert.Equal(new ChecksumBackfillReport(false, 3, 0, 0, 0, 0, true), first);
        for (var i = 0; i < clips.Count; i++)
        {
            // In id order: the three oldest first.
            Assert.Equal(i < 3 ? CrcOf(clips[i].Bytes) : null, (await ClipAsync(clips[i].Id))!.Crc32);
        }

        var second = await RunJobAsync(settings);

        Assert.Equal(new ChecksumBackfillReport(false, 2, 0, 0, 0, 0, false), second);
        foreach (var clip in clips)
        {
            Assert.Equal(CrcOf(clip.Bytes), (await ClipAsync(clip.Id))!.Crc32);
        }

        Assert.Equal(clips.Select(c => c.Key), Storage.Opened);
    }

    [Fact]
    public async Task One_run_stops_when_its_time_is_up_and_the_next_run_carries_on()
    {
        var clips = new List<(long Id, string Key, byte[] Bytes)>();
        for (var i = 0; i < 3; i++)
        {
            clips.Add(await OldClipAsync());
        }

        // Each file takes half of a run's time.
        var settings = new ChecksumBackfillOptions { RunFor = TimeSpan.FromSeconds(60) };
        Storage.OnOpen = _ =>
        {
            Clock.Advance(TimeSpan.FromSeconds(30));
            return Task.CompletedTask;
        };

        var first = await RunJobAsync(settings);
        var second = await RunJobAsync(settings);

        Assert.Equal(new ChecksumBackfillReport(false, 2, 0, 0, 0, 0, true), first);
        Assert.Equal(new ChecksumBackfillReport(false, 1, 0, 0, 0, 0, false), second);
        foreach (var clip in clips)
        {
            Assert.Equal(CrcOf(clip.Bytes), (await ClipAsync(clip.Id))!.Crc32);
        }
    }

    [Fact]
    public async Task A_damaged_file_does_not_hold_up_the_clips_behind_it_and_is_looked_at_again_in_the_next_pass()
    {
        var damaged = await OldClipAsync();
        await Storage.PutAsync(damaged.Key, new MemoryStream(RandomNumberGenerator.GetBytes(damaged.Bytes.Length)), 10_000_000, CancellationToken.None);
        var good = await OldClipAsync();
        var settings = new ChecksumBackfillOptions { MaxClips = 1 };

        var first = await RunJobAsync(settings);
        var second = await RunJobAsync(settings);
        var end = await RunJobAsync(settings);
        var nextPass = await RunJobAsync(settings);

        Assert.Equal(new ChecksumBackfillReport(false, 0, 1, 0, 0, 0, true), first);
        Assert.Equal(new ChecksumBackfillReport(false, 1, 0, 0, 0, 0, true), second);
        Assert.Equal(new ChecksumBackfillReport(false, 0, 0, 0, 0, 0, false), end);
        Assert.Equal(new ChecksumBackfillReport(false, 0, 1, 0, 0, 0, true), nextPass);
        Assert.Equal(CrcOf(good.Bytes), (await ClipAsync(good.Id))!.Crc32);
        Assert.Null((await ClipAsync(damaged.Id))!.Crc32);
    }

    [Fact]
    public async Task A_file_that_cannot_be_read_is_counted_and_the_run_goes_on_to_the_next()
    {
        var unreadable = await OldClipAsync();
        var good = await OldClipAsync();
        Storage.OnOpen = key => key == unreadable.Key ? throw new IOException("The disk said no.") : Task.CompletedTask;

        var report = await RunJobAsync();

        Assert.Equal(new ChecksumBackfillReport(false, 1, 0, 0, 0, 1, false), report);
        Assert.Null((await ClipAsync(unreadable.Id))!.Crc32);
        Assert.Equal(CrcOf(good.Bytes), (await ClipAsync(good.Id))!.Crc32);
    }

    [Fact]
    public async Task A_cancelled_run_stops_before_the_next_file()
    {
        var first = await OldClipAsync();
        var second = await OldClipAsync();
        using var stop = new CancellationTokenSource();
        Storage.OnOpen = _ =>
        {
            stop.Cancel();
            return Task.CompletedTask;
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => RunJobAsync(cancellationToken: stop.Token));

        Assert.Equal([first.Key], Storage.Opened);
        Assert.Null((await ClipAsync(second.Id))!.Crc32);
        // The file being read when the stop came is recorded whole or not at all.
        Assert.Contains((await ClipAsync(first.Id))!.Crc32, new int?[] { null, CrcOf(first.Bytes) });
    }

    [Fact]
    public async Task A_second_run_while_one_is_active_skips_and_writes_nothing()
    {
        var old = await OldClipAsync();
        ChecksumBackfillReport? inner = null;
        Storage.OnOpen = async _ =>
        {
            Storage.OnOpen = null;
            inner = await RunJobAsync();
        };

        var outer = await RunJobAsync();

        Assert.Equal(ChecksumBackfillReport.None, inner);
        Assert.Equal(1, outer.Recorded);
        Assert.Equal(CrcOf(old.Bytes), (await ClipAsync(old.Id))!.Crc32);
    }

    /// <summary>Clip storage that writes down every file opened for a sequential read, and lets a test act just before.</summary>
    private sealed class OpeningStorage(IClipStorage inner) : DelegatingClipStorage(inner)
    {
        public List<string> Opened { get; } = [];

        public Func<string, Task>? OnOpen { get; set; }

        public override async Task<Stream?> OpenSequentialReadAsync(string key, CancellationToken cancellationToken)
        {
            Opened.Add(key);
            if (OnOpen is { } onOpen)
            {
                await onOpen(key);
            }

            return await base.OpenSequentialReadAsync(key, cancellationToken);
        }
    }
}

using ClipSaver.Core.Thumbnails;
using ClipSaver.Tests.Thumbnails;

namespace ClipSaver.Tests.Maintenance;

/// <summary>
/// The orphan scan and a poster gone from storage while its clip says "made": counted, and the fix has the thumbnail
/// job make it again; on the local folder (<see cref="OrphanScanPosterOnLocalFolderTests"/>) and an S3-protocol bucket
/// (<see cref="OrphanScanPosterOnS3Tests"/>).
/// </summary>
public abstract class OrphanScanPosterTests : StorageTestBase
{
    private long _guild;
    private long _channel;
    private long _author;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        (_guild, _channel) = await AddGuildWithChannelAsync();
        _author = await AddUserAsync("author");
    }

    private OrphanScan NewScan(ClipSaverDbContext context) => new(
        context, new ClipSaverConnection(Db.ConnectionString), new ClipArchive(context, Storage), Storage, TestJobs.Client(TestJobs.Storage(Db)),
        new StaticMonitor<ScanOptions>(new ScanOptions()), new StaticMonitor<OrphanScanOptions>(new OrphanScanOptions()), Clock, NullLogger<OrphanScan>.Instance);

    /// <summary>A clip with a real video as its file, and its poster when <paramref name="withPoster"/>; recorded as made.</summary>
    private async Task<(long Id, string Key)> ClipWithPosterAsync(bool withPoster)
    {
        var attachment = TestData.NewId();
        var key = ClipStorageKeys.ForAttachment(_guild, _channel, attachment, "clip.mp4");
        var bytes = ThumbnailJobTests.Sample("a.mp4");
        var stored = await Storage.PutAsync(key, new MemoryStream(bytes), 10_000_000, CancellationToken.None);
        if (withPoster)
        {
            await Storage.PutAsync(ClipStorageKeys.ThumbnailOf(key), new MemoryStream([0xFF, 0xD8, 0xFF]), 100, CancellationToken.None);
        }

        await using var db = Db.CreateContext();
        var clip = TestData.Clip(_guild, _channel, _author, "clip.mp4", bytes.Length, Clock.GetUtcNow(), Clock.GetUtcNow(), "video/mp4", key, attachment, stored.Sha256, stored.Crc32);
        clip.ThumbnailState = ThumbnailState.Made;
        clip.ThumbnailAttempts = 1;
        db.Clips.Add(clip);
        await db.SaveChangesAsync();
        return (clip.Id, key);
    }

    private async Task<OrphanReport> ScanAsync(bool fix)
    {
        await using var db = Db.CreateContext();
        return await NewScan(db).RunAsync(fix, verifyChecksums: false, CancellationToken.None);
    }

    private async Task<ThumbnailState?> StateAsync(long id)
    {
        await using var db = Db.CreateContext();
        return await db.Clips.Where(c => c.Id == id).Select(c => c.ThumbnailState).SingleAsync();
    }

    [Fact]
    public async Task A_poster_gone_fromStorage_is_counted_and_the_fix_has_the_thumbnail_job_make_it_again()
    {
        var (kept, _) = await ClipWithPosterAsync(withPoster: true);
        var (lost, lostKey) = await ClipWithPosterAsync(withPoster: false);

        var found = await ScanAsync(fix: false);

        var kind = found.Kinds.Single(k => k.Kind == "posters_missing");
        Assert.Equal(1, kind.Count);
        Assert.Equal([$"clip {lost}: poster missing"], kind.Examples);
        Assert.Equal(1, found.Total);
        Assert.Equal(ThumbnailState.Made, await StateAsync(lost));

        var fixedReport = await ScanAsync(fix: true);

        Assert.Equal(1, fixedReport.Kinds.Single(k => k.Kind == "posters_missing").Count);
        Assert.Null(await StateAsync(lost));
        Assert.Equal(ThumbnailState.Made, await StateAsync(kept));

        // The thumbnail job's next run makes the poster again (the kept clip is not touched), and the scan is clean.
        var settings = new ThumbnailOptions { Timeout = TimeSpan.FromSeconds(30) };
        var monitor = new StaticMonitor<ThumbnailOptions>(settings);
        using var slots = new ThumbnailSlots(monitor);
        await using (var db = Db.CreateContext())
        {
            var job = new ThumbnailJob(db, Storage, new ThumbnailMaker(monitor), slots, new FFmpegTools(monitor, NullLogger<FFmpegTools>.Instance), monitor, Clock,
                NullLogger<ThumbnailJob>.Instance);
            Assert.Equal(1, (await job.RunAsync(CancellationToken.None)).Made);
        }

        Assert.Equal(ThumbnailState.Made, await StateAsync(lost));
        Assert.NotNull(await Storage.GetInfoAsync(ClipStorageKeys.ThumbnailOf(lostKey), CancellationToken.None));
        Assert.Equal(0, (await ScanAsync(fix: false)).Total);
    }
}

public sealed class OrphanScanPosterOnLocalFolderTests : OrphanScanPosterTests
{
    protected override Task<IClipStorage> CreateStorageAsync() => Task.FromResult(LocalFolderStorage("clipsaver-posters-"));
}

public sealed class OrphanScanPosterOnS3Tests : OrphanScanPosterTests
{
    protected override async Task<IClipStorage> CreateStorageAsync() => TestS3Server.CreateStorage(await TestS3Server.CreateBucketAsync());
}

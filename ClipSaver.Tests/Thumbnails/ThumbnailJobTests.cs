using System.Collections.Concurrent;
using ClipSaver.Core.Thumbnails;

namespace ClipSaver.Tests.Thumbnails;

/// <summary>
/// The thumbnail job with the real ffprobe and ffmpeg on the emulator's sample videos, the real PostgreSQL, and each
/// kind of storage: the local folder (<see cref="ThumbnailJobOnLocalFolderTests"/>) and an S3-protocol bucket
/// (<see cref="ThumbnailJobOnS3Tests"/>).
/// </summary>
public abstract partial class ThumbnailJobTests : DatabaseTestBase
{
    /// <summary>The job's settings, with a temporary folder of the test's own (<see cref="ThumbnailLeftovers"/>).</summary>
    private ThumbnailOptions Settings { get; } = new() { Timeout = TimeSpan.FromSeconds(30), TemporaryFolder = Directory.CreateTempSubdirectory("clipsaver-thumbwork-").FullName };
    private long _guild;
    private long _channel;
    private long _author;

    private protected CountingStorage Storage { get; private set; } = null!;

    protected abstract Task<IClipStorage> CreateStorageAsync();

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Storage = new CountingStorage(await CreateStorageAsync());
        (_guild, _channel) = await AddGuildWithChannelAsync();
        _author = await AddUserAsync("author");
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(Settings.TemporaryFolder, recursive: true);
    }

    /// <summary>One of the emulator's sample clips (2 s, 320 × 180).</summary>
    public static byte[] Sample(string name) =>
        File.ReadAllBytes(Path.Combine(TestS3Server.RepoRoot(), "ClipSaver.DiscordEmulator", "Cdn", "Samples", name));

    /// <summary>A clip whose file (these bytes) is stored, as a scan leaves it: no thumbnail state yet.</summary>
    private async Task<(long Id, string Key)> StoredClipAsync(string fileName, byte[] bytes)
    {
        var attachment = TestData.NewId();
        var key = ClipStorageKeys.ForAttachment(_guild, _channel, attachment, fileName);
        var stored = await Storage.PutAsync(key, new MemoryStream(bytes), 10_000_000, CancellationToken.None);
        await using var db = Db.CreateContext();
        var clip = TestData.Clip(_guild, _channel, _author, fileName, bytes.Length, Clock.GetUtcNow(), Clock.GetUtcNow(), "video/mp4", key, attachment, stored.Sha256, stored.Crc32);
        db.Clips.Add(clip);
        await db.SaveChangesAsync();
        return (clip.Id, key);
    }

    /// <summary>One run of the job, as one instance would run it (its own slots when none are given, these settings or the test's).</summary>
    private async Task<ThumbnailRunReport> RunJobAsync(ThumbnailSlots? slots = null, ThumbnailOptions? settings = null, FFmpegTools? tools = null)
    {
        await using var db = Db.CreateContext();
        var monitor = new StaticMonitor<ThumbnailOptions>(settings ?? Settings);
        using var own = new ThumbnailSlots(new StaticMonitor<ThumbnailOptions>(Settings));
        var job = new ThumbnailJob(db, Storage, new ThumbnailMaker(monitor), slots ?? own, tools ?? new FFmpegTools(monitor, NullLogger<FFmpegTools>.Instance), monitor, Clock,
            NullLogger<ThumbnailJob>.Instance);
        return await job.RunAsync(CancellationToken.None);
    }

    private async Task<Clip> ClipAsync(long id)
    {
        await using var db = Db.CreateContext();
        return await db.Clips.AsNoTracking().SingleAsync(c => c.Id == id);
    }

    private async Task AssertPosterAsync(string key)
    {
        await using var stream = await Storage.OpenReadAsync(ClipStorageKeys.ThumbnailOf(key), CancellationToken.None);
        Assert.NotNull(stream);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        var jpeg = copy.ToArray();
        Assert.True(jpeg.Length > 500, $"A poster of {jpeg.Length} bytes.");
        Assert.Equal([0xFF, 0xD8, 0xFF], jpeg[..3]);
    }

    [Theory]
    [InlineData("a.mp4")]
    [InlineData("b.webm")]
    public async Task A_sample_video_gets_its_poster_length_and_picture_size(string sample)
    {
        var (id, key) = await StoredClipAsync(sample, Sample(sample));

        var report = await RunJobAsync();

        Assert.Equal(1, report.Made);
        var clip = await ClipAsync(id);
        Assert.Equal(ThumbnailState.Made, clip.ThumbnailState);
        Assert.InRange(clip.DurationSecs!.Value, 1.9, 2.1);
        Assert.Equal((320, 180), (clip.Width, clip.Height));
        Assert.Null(clip.ThumbnailClaimedUntil);
        await AssertPosterAsync(key);
    }

    [Fact]
    public async Task A_file_without_video_gets_the_placeholder_state_once_and_is_not_tried_again()
    {
        var (text, textKey) = await StoredClipAsync("notes.mp4", "just some words, not a video at all"u8.ToArray());
        // A video cut after its first bytes, as a broken upload is.
        var (cut, _) = await StoredClipAsync("cut.mp4", Sample("a.mp4")[..600]);

        var first = await RunJobAsync();
        var again = await RunJobAsync();

        Assert.Equal(2, first.NoVideo + first.Failed);
        Assert.Equal(new ThumbnailRunReport(false, 0, 0, 0, 0), again);
        foreach (var id in new[] { text, cut })
        {
            var clip = await ClipAsync(id);
            Assert.True(clip.ThumbnailState is ThumbnailState.NoVideo or ThumbnailState.Failed, $"clip {id}: {clip.ThumbnailState}");
            Assert.Equal(1, clip.ThumbnailAttempts);
        }

        Assert.Equal(ThumbnailState.NoVideo, (await ClipAsync(text)).ThumbnailState);
        Assert.Null(await Storage.GetInfoAsync(ClipStorageKeys.ThumbnailOf(textKey), CancellationToken.None));
        Assert.DoesNotContain(Storage.Puts.Keys, ClipStorageKeys.IsThumbnail);
    }

    [Fact]
    public async Task Two_instances_running_at_once_make_each_thumbnail_once()
    {
        var clips = new List<(long Id, string Key)>();
        for (var i = 0; i < 6; i++)
        {
            clips.Add(await StoredClipAsync($"c{i}.mp4", Sample(i % 2 == 0 ? "a.mp4" : "b.mp4")));
        }

        // Two instances (each with its own slots), and on the first a second run that finds its slot taken.
        using var first = new ThumbnailSlots(new StaticMonitor<ThumbnailOptions>(Settings));
        var reports = await Task.WhenAll(RunJobAsync(first), RunJobAsync(first), RunJobAsync());

        Assert.Equal(6, reports.Sum(r => r.Made));
        Assert.Single(reports, r => r.Skipped);
        foreach (var (id, key) in clips)
        {
            Assert.Equal(ThumbnailState.Made, (await ClipAsync(id)).ThumbnailState);
            Assert.Equal(1, Storage.Puts.GetValueOrDefault(ClipStorageKeys.ThumbnailOf(key)));
        }

        Assert.Equal(new ThumbnailRunReport(false, 0, 0, 0, 0), await RunJobAsync());
    }

    [Fact]
    public async Task A_crash_between_storing_and_recording_the_poster_leaves_nothing_half_done_after_the_retry()
    {
        var (id, key) = await StoredClipAsync("clip.mp4", Sample("a.mp4"));
        Storage.FailAfterNextThumbnailPut = true;

        var crashed = await RunJobAsync();

        Assert.Equal(1, crashed.Errors);
        var clip = await ClipAsync(id);
        Assert.Null(clip.ThumbnailState);
        Assert.NotNull(clip.ThumbnailClaimedUntil);

        // The claim holds (the process may still be working on it): nobody takes the clip until it runs out.
        Assert.Equal(new ThumbnailRunReport(false, 0, 0, 0, 0), await RunJobAsync());
        Clock.Advance(Settings.ClaimFor + TimeSpan.FromSeconds(1));
        var retried = await RunJobAsync();

        Assert.Equal(1, retried.Made);
        clip = await ClipAsync(id);
        Assert.Equal(ThumbnailState.Made, clip.ThumbnailState);
        Assert.Equal(2, clip.ThumbnailAttempts);
        Assert.Equal(2, Storage.Puts[ClipStorageKeys.ThumbnailOf(key)]);
        Assert.Equal([key, ClipStorageKeys.ThumbnailOf(key)],
            await Storage.ListAsync(ClipStorageKeys.ChannelPrefix(_guild, _channel), CancellationToken.None).Select(o => o.Key).OrderBy(k => k.Length).ToListAsync());
        await AssertPosterAsync(key);
    }

    [Fact]
    public async Task A_clip_whose_claims_ran_out_every_time_is_recorded_as_failed_and_left_alone()
    {
        var (id, key) = await StoredClipAsync("clip.mp4", Sample("a.mp4"));
        await using (var db = Db.CreateContext())
        {
            // Three claims by processes that died, the last one run out.
            await db.Clips.Where(c => c.Id == id).ExecuteUpdateAsync(s => s
                .SetProperty(c => c.ThumbnailAttempts, Settings.MaxAttempts)
                .SetProperty(c => c.ThumbnailClaimedUntil, Clock.GetUtcNow().AddMinutes(-1)));
        }

        var report = await RunJobAsync();

        Assert.Equal(1, report.Failed);
        Assert.Equal(ThumbnailState.Failed, (await ClipAsync(id)).ThumbnailState);
        Assert.Null(await Storage.GetInfoAsync(ClipStorageKeys.ThumbnailOf(key), CancellationToken.None));
        Assert.Equal(new ThumbnailRunReport(false, 0, 0, 0, 0), await RunJobAsync());
    }

    /// <summary>Counts the puts per key; can fail right after storing a thumbnail, as a process that dies there would.</summary>
    private protected sealed class CountingStorage(IClipStorage inner) : DelegatingClipStorage(inner)
    {
        public ConcurrentDictionary<string, int> Puts { get; } = new(StringComparer.Ordinal);

        public bool FailAfterNextThumbnailPut { get; set; }

        public override async Task<StoredFile> PutAsync(string key, Stream content, long maxBytes, CancellationToken cancellationToken)
        {
            var stored = await base.PutAsync(key, content, maxBytes, cancellationToken);
            Puts.AddOrUpdate(key, 1, (_, n) => n + 1);
            if (FailAfterNextThumbnailPut && ClipStorageKeys.IsThumbnail(key))
            {
                FailAfterNextThumbnailPut = false;
                throw new IOException("The process died after storing the thumbnail.");
            }

            return stored;
        }
    }
}

public sealed class ThumbnailJobOnLocalFolderTests : ThumbnailJobTests
{
    protected override Task<IClipStorage> CreateStorageAsync() => Task.FromResult(LocalFolderStorage("clipsaver-thumbs-"));
}

public sealed class ThumbnailJobOnS3Tests : ThumbnailJobTests
{
    protected override async Task<IClipStorage> CreateStorageAsync() => TestS3Server.CreateStorage(await TestS3Server.CreateBucketAsync());
}

using ClipSaver.Core.Thumbnails;
using ClipSaver.Web.Health;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ClipSaver.Tests.Thumbnails;

/// <summary>
/// The thumbnail job and the machine it runs on: ffmpeg missing (the clips wait, no attempt counted, one warning, the
/// health check says so) and installed later, clips failed by an earlier version without ffmpeg, temporary files a
/// killed run left behind.
/// </summary>
public abstract partial class ThumbnailJobTests
{
    private static FFmpegTools Tools(ThumbnailOptions settings, LogSink sink) =>
        new(new StaticMonitor<ThumbnailOptions>(settings), new Logger<FFmpegTools>(new LoggerFactory([sink])));

    private static async Task<HealthCheckResult> HealthAsync(FFmpegTools tools, ThumbnailOptions settings) =>
        await new ThumbnailsHealthCheck(tools, new StaticMonitor<ThumbnailOptions>(settings)).CheckHealthAsync(new HealthCheckContext());

    private ThumbnailOptions With(string binaryFolder) => new()
    {
        Timeout = Settings.Timeout,
        TemporaryFolder = Settings.TemporaryFolder,
        BinaryFolder = binaryFolder,
    };

    [Fact]
    public async Task Without_ffmpeg_a_clip_waits_without_losing_attempts_and_gets_its_poster_once_ffmpeg_is_there()
    {
        var (id, key) = await StoredClipAsync("clip.mp4", Sample("a.mp4"));
        using var sink = new LogSink();
        var missing = With(Path.Combine(Settings.TemporaryFolder, "no-ffmpeg-here"));
        var tools = Tools(missing, sink);

        // More runs than a clip has attempts, each after any claim would have run out.
        for (var run = 0; run <= Settings.MaxAttempts + 1; run++)
        {
            var report = await RunJobAsync(settings: missing, tools: tools);
            Assert.True(report.NoFFmpeg, $"run {run}: {report}");
            Clock.Advance(Settings.ClaimFor + TimeSpan.FromSeconds(1));
        }

        var waiting = await ClipAsync(id);
        Assert.Equal((null, 0, null), (waiting.ThumbnailState, waiting.ThumbnailAttempts, waiting.ThumbnailClaimedUntil));
        Assert.Single(sink.Lines, l => l.Contains("ffmpeg is not available on this machine", StringComparison.Ordinal));
        var degraded = await HealthAsync(tools, missing);
        Assert.Equal(HealthStatus.Degraded, degraded.Status);
        Assert.Contains("ffprobe and ffmpeg not found in " + missing.BinaryFolder, degraded.Description, StringComparison.Ordinal);

        // ffmpeg installed (Debian's, on the PATH): the waiting clip gets its poster at the next run, on its first attempt.
        var installed = With("");
        var found = Tools(installed, sink);
        var made = await RunJobAsync(settings: installed, tools: found);

        Assert.Equal(1, made.Made);
        Assert.False(made.NoFFmpeg);
        var clip = await ClipAsync(id);
        Assert.Equal((ThumbnailState.Made, 1), (clip.ThumbnailState, clip.ThumbnailAttempts));
        await AssertPosterAsync(key);
        Assert.Equal(HealthStatus.Healthy, (await HealthAsync(found, installed)).Status);
    }

    [Fact]
    public async Task A_program_that_cannot_be_started_gives_the_claim_back_instead_of_counting_it_against_the_clip()
    {
        var (id, _) = await StoredClipAsync("clip.mp4", Sample("a.mp4"));
        // ffprobe and ffmpeg there, but not programs this machine can start (a broken install).
        var folder = Directory.CreateDirectory(Path.Combine(Settings.TemporaryFolder, "broken-ffmpeg")).FullName;
        foreach (var program in new[] { "ffprobe", "ffmpeg" })
        {
            await File.WriteAllTextAsync(Path.Combine(folder, program), "not a program");
        }

        using var sink = new LogSink();
        var broken = With(folder);
        var tools = Tools(broken, sink);

        var first = await RunJobAsync(settings: broken, tools: tools);
        var second = await RunJobAsync(settings: broken, tools: tools);

        Assert.True(first.NoFFmpeg && second.NoFFmpeg, $"{first} {second}");
        var clip = await ClipAsync(id);
        Assert.Equal((null, 0, null), (clip.ThumbnailState, clip.ThumbnailAttempts, clip.ThumbnailClaimedUntil));
        Assert.Single(sink.Lines, l => l.Contains("could not be started", StringComparison.Ordinal));
        Assert.Equal(1, (await RunJobAsync()).Made);
    }

    [Fact]
    public async Task Clips_failed_before_this_version_get_another_chance_once_through_the_migration()
    {
        var (failed, key) = await StoredClipAsync("clip.mp4", Sample("a.mp4"));
        var (noVideo, _) = await StoredClipAsync("notes.mp4", "words"u8.ToArray());
        await using (var db = Db.CreateContext())
        {
            // As an earlier version left them on a machine without ffmpeg: three claims, then "failed".
            await db.Clips.Where(c => c.Id == failed).ExecuteUpdateAsync(s => s.SetProperty(c => c.ThumbnailState, ThumbnailState.Failed).SetProperty(c => c.ThumbnailAttempts, 4));
            await db.Clips.Where(c => c.Id == noVideo).ExecuteUpdateAsync(s => s.SetProperty(c => c.ThumbnailState, ThumbnailState.NoVideo).SetProperty(c => c.ThumbnailAttempts, 1));
            var migrator = db.GetService<IMigrator>();
            await migrator.MigrateAsync("20261128134334_ClipThumbnails");
            await migrator.MigrateAsync();
        }

        var retried = await ClipAsync(failed);
        Assert.Equal((null, 0), (retried.ThumbnailState, retried.ThumbnailAttempts));
        Assert.Equal(ThumbnailState.NoVideo, (await ClipAsync(noVideo)).ThumbnailState);
        Assert.Equal(1, (await RunJobAsync()).Made);
        await AssertPosterAsync(key);
    }

    [Fact]
    public async Task A_killed_runs_leftover_temporary_file_is_deleted_by_the_next_run_and_a_fresh_one_stays()
    {
        var folder = Settings.TemporaryFolder;
        var stale = Path.Combine(folder, $"{ThumbnailMaker.CopyPrefix}{Guid.NewGuid():N}.mp4");
        var stalePoster = Path.Combine(folder, $"{ThumbnailMaker.PosterPrefix}{Guid.NewGuid():N}.jpg");
        var fresh = Path.Combine(folder, $"{ThumbnailMaker.CopyPrefix}{Guid.NewGuid():N}.mp4");
        var notOurs = Path.Combine(folder, "notes.txt");
        foreach (var file in new[] { stale, stalePoster, fresh, notOurs })
        {
            await File.WriteAllBytesAsync(file, [1, 2, 3]);
        }

        var longAgo = Clock.GetUtcNow() - Settings.LeftoverAfter - TimeSpan.FromMinutes(1);
        foreach (var file in new[] { stale, stalePoster, notOurs })
        {
            File.SetLastWriteTimeUtc(file, longAgo.UtcDateTime);
        }

        // Another run on this machine, at work for less than a clip's time limit.
        File.SetLastWriteTimeUtc(fresh, (Clock.GetUtcNow() - Settings.LeftoverAfter + TimeSpan.FromMinutes(1)).UtcDateTime);
        var (id, _) = await StoredClipAsync("clip.mp4", Sample("a.mp4"));

        var report = await RunJobAsync();

        Assert.Equal(1, report.Made);
        Assert.Equal(ThumbnailState.Made, (await ClipAsync(id)).ThumbnailState);
        // The stale ones gone; the fresh one and the file that is not the job's kept; this run's own copy (S3) deleted.
        Assert.Equal([fresh, notOurs], Directory.GetFiles(folder).Order(StringComparer.Ordinal));
    }
}

using System.ComponentModel;
using FFMpegCore;
using FFMpegCore.Exceptions;

namespace ClipSaver.Core.Thumbnails;

/// <summary>Section <c>ClipSaver:Thumbnails</c> (docs/decisions/020-thumbnails.md).</summary>
public sealed class ThumbnailOptions
{
    public const string Section = "ClipSaver:Thumbnails";

    /// <summary>Off: no clip gets a thumbnail and the recurring job does nothing (clips show the placeholder).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Where <c>ffmpeg</c> and <c>ffprobe</c> are; empty for the PATH (Debian's package puts them in /usr/bin).</summary>
    public string BinaryFolder { get; set; } = "";

    /// <summary>ffmpeg runs on one instance at the same time: each is a process of its own that takes a core.</summary>
    [Range(1, 4)]
    public int Parallel { get; set; } = 1;

    /// <summary>The longest one ffprobe or ffmpeg call may take; then it is stopped and the clip tried again later.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "00:10:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a claim on a clip holds. Past it (its process died), another run claims the clip again.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "01:00:00")]
    public TimeSpan ClaimFor { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Claims of a clip without a result (timeouts, crashes) before it is recorded as failed and never tried again.</summary>
    [Range(1, 10)]
    public int MaxAttempts { get; set; } = 3;

    /// <summary>How long one run of the job keeps claiming clips before it leaves the rest to the next run (a minute later).</summary>
    [Range(typeof(TimeSpan), "00:00:10", "01:00:00")]
    public TimeSpan RunFor { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Where the job keeps its temporary files (an S3 clip's copy, ffmpeg's picture); empty for <c>clipsaver-thumbnails</c>
    /// in the system's temporary folder. Files left there by a killed process are deleted by the job's next run.
    /// </summary>
    public string TemporaryFolder { get; set; } = "";

    /// <summary>The longest one clip's work may take (its claim, or ffprobe and two ffmpeg calls): a temporary file older than this is a leftover.</summary>
    public TimeSpan LeftoverAfter => ClaimFor > 3 * Timeout ? ClaimFor : 3 * Timeout;

    /// <summary>The temporary folder, made when missing.</summary>
    public string WorkFolder() =>
        Directory.CreateDirectory(string.IsNullOrEmpty(TemporaryFolder) ? Path.Combine(Path.GetTempPath(), "clipsaver-thumbnails") : TemporaryFolder).FullName;
}

/// <summary>What a video file is: its length and picture size, from ffprobe.</summary>
public sealed record MediaFacts(double DurationSecs, int Width, int Height);

/// <summary>What <see cref="ThumbnailMaker"/> made of a file.</summary>
public abstract record ThumbnailOutcome
{
    private ThumbnailOutcome()
    {
    }

    /// <summary>A JPEG of <see cref="ThumbnailMaker.Width"/> × <see cref="ThumbnailMaker.Height"/>, and the file's facts.</summary>
    public sealed record Made(MediaFacts Facts, byte[] Jpeg) : ThumbnailOutcome;

    /// <summary>No readable video stream (not a video, or cut short); the same file answers the same every time.</summary>
    public sealed record NoVideo(string Why) : ThumbnailOutcome;

    /// <summary>ffmpeg read the stream but could not make a picture of it (a broken file); trying again would not help.</summary>
    public sealed record Failed(string Why) : ThumbnailOutcome;
}

/// <summary>
/// Makes a clip's poster image and reads its length and picture size, with Debian's ffprobe and ffmpeg through
/// FFMpegCore. Each call is one process, single-threaded, at a lower CPU priority (<see cref="LowPriorityLauncher"/>),
/// stopped after <see cref="ThumbnailOptions.Timeout"/> (<see cref="TimeoutException"/>: the caller tries again later).
/// The picture is always the same box, letterboxed, so that a card can reserve its place before the image arrives.
/// </summary>
public sealed class ThumbnailMaker(IOptionsMonitor<ThumbnailOptions> options)
{
    public const int Width = 320;
    public const int Height = 180;
    public const string ContentType = "image/jpeg";

    /// <summary>How the job's temporary files start, in <see cref="ThumbnailOptions.WorkFolder"/>: a clip's copy, a picture.</summary>
    public const string CopyPrefix = "clip-", PosterPrefix = "poster-";

    public async Task<ThumbnailOutcome> MakeAsync(string path, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var folder = settings.WorkFolder();
        var ff = new FFOptions { BinaryFolder = settings.BinaryFolder, TemporaryFilesFolder = folder };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(settings.Timeout);
        IMediaAnalysis media;
        try
        {
            media = await LowPriorityLauncher.Shared.RunAsync(() => FFProbe.AnalyseAsync(path, ff, null, timeout.Token));
        }
        catch (Exception) when (timeout.IsCancellationRequested)
        {
            throw Stopped("ffprobe", settings.Timeout, cancellationToken);
        }
        catch (Win32Exception e)
        {
            throw NotStarted("ffprobe", e);
        }
        catch (Exception e) when (e is FFMpegException or JsonException)
        {
            return new ThumbnailOutcome.NoVideo("ffprobe could not read the file: " + FirstLine(e.Message));
        }

        if (media.PrimaryVideoStream is not { Width: > 0, Height: > 0 } video)
        {
            return new ThumbnailOutcome.NoVideo("The file has no video stream.");
        }

        var duration = media.Duration > TimeSpan.Zero ? media.Duration : video.Duration;
        // Rotated phone videos: the picture people see is the other way round.
        var (w, h) = (video.Width ?? 0, video.Height ?? 0);
        var (width, height) = Math.Abs(video.Rotation) % 180 == 90 ? (h, w) : (w, h);
        var facts = new MediaFacts(Math.Round(duration.TotalSeconds, 3), width, height);
        // A frame a little way in (the first is often black), never past the end; the very first when that fails.
        var at = TimeSpan.FromSeconds(Math.Min(1.0, duration.TotalSeconds / 3));
        foreach (var seek in at > TimeSpan.Zero ? [at, TimeSpan.Zero] : new[] { TimeSpan.Zero })
        {
            if (await SnapshotAsync(path, folder, seek, ff, settings.Timeout, timeout, cancellationToken) is { Length: > 0 } jpeg)
            {
                return new ThumbnailOutcome.Made(facts, jpeg);
            }
        }

        return new ThumbnailOutcome.Failed("ffmpeg found no picture in the video stream.");
    }

    /// <summary>One frame at <paramref name="at"/>, scaled into the box; null when ffmpeg wrote nothing (seek past the last frame, a broken stream).</summary>
    private static async Task<byte[]?> SnapshotAsync(string path, string folder, TimeSpan at, FFOptions ff, TimeSpan limit, CancellationTokenSource timeout, CancellationToken cancellationToken)
    {
        var output = Path.Combine(folder, $"{PosterPrefix}{Guid.NewGuid():N}.jpg");
        try
        {
            var filter = string.Create(CultureInfo.InvariantCulture,
                $"scale={Width}:{Height}:force_original_aspect_ratio=decrease,pad={Width}:{Height}:(ow-iw)/2:(oh-ih)/2:color=black,setsar=1");
            await LowPriorityLauncher.Shared.RunAsync(() => FFMpegArguments
                .FromFileInput(path, verifyExists: true, o => o.WithCustomArgument(string.Create(CultureInfo.InvariantCulture, $"-ss {at.TotalSeconds:0.###} -threads 1")))
                .OutputToFile(output, overwrite: true, o => o
                    .WithCustomArgument($"-vf \"{filter}\" -frames:v 1 -q:v 4 -threads 1 -an")
                    .ForceFormat("image2"))
                .CancellableThrough(timeout.Token, TimeSpan.FromSeconds(2))
                .ProcessAsynchronously(throwOnError: true, ff, timeout.Token));
            return File.Exists(output) ? await File.ReadAllBytesAsync(output, cancellationToken) : null;
        }
        catch (Exception) when (timeout.IsCancellationRequested)
        {
            throw Stopped("ffmpeg", limit, cancellationToken);
        }
        catch (Win32Exception e)
        {
            throw NotStarted("ffmpeg", e);
        }
        catch (FFMpegException)
        {
            return null;
        }
        finally
        {
            File.Delete(output);
        }
    }

    /// <summary>Cancelled by the caller (shutdown) or stopped by the time limit: the first is a cancellation, the second a timeout.</summary>
    private static Exception Stopped(string program, TimeSpan limit, CancellationToken cancellationToken) =>
        cancellationToken.IsCancellationRequested
            ? new OperationCanceledException(cancellationToken)
            : new TimeoutException($"{program} took longer than {limit.TotalSeconds:0} seconds.");

    /// <summary>The program could not be started at all: ffmpeg is missing or broken on this machine, not the file.</summary>
    private static FFmpegUnavailableException NotStarted(string program, Win32Exception e) =>
        new($"ffmpeg is not available on this machine: {program} could not be started ({e.Message}).", e);

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();
}

using ClipSaver.Core.Thumbnails;

namespace ClipSaver.Bench;

/// <summary>
/// How long one clip's thumbnail takes (ffprobe, then ffmpeg for one frame, as <see cref="ThumbnailMaker"/> runs them,
/// single-threaded): the emulator's four sample clips, and a larger clip made here with ffmpeg (default 1920×1080,
/// 30 s, H.264), each <c>--repeat</c> times. Prints the median, 95th percentile and slowest call per file.
/// </summary>
public static class ThumbnailBenchmark
{
    private static readonly string[] SampleNames = ["a.mp4", "b.mp4", "a.webm", "b.webm"];

    public static async Task<int> RunAsync(string[] args)
    {
        var repeat = Bench.IntArg(args, "--repeat", 20);
        var large = Bench.Arg(args, "--large", "1920x1080:30").Split(':');
        var samples = Path.Combine(Bench.RepoRoot(), "ClipSaver.DiscordEmulator", "Cdn", "Samples");
        var files = SampleNames.Select(f => Path.Combine(samples, f)).ToList();
        var folder = Directory.CreateTempSubdirectory("clipsaver-bench-thumbs-").FullName;
        try
        {
            var big = Path.Combine(folder, $"large-{large[0]}-{large[1]}s.mp4");
            var made = Stopwatch.StartNew();
            await FfmpegAsync("-v", "error", "-f", "lavfi", "-i", $"testsrc2=size={large[0]}:rate=30:duration={large[1]}", "-f", "lavfi", "-i", $"sine=frequency=440:duration={large[1]}",
                "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", big);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"made {Path.GetFileName(big)} ({new FileInfo(big).Length / 1e6:0.0} MB) in {made.Elapsed.TotalSeconds:0.0} s"));
            files.Add(big);

            var maker = new ThumbnailMaker(new Fixed(new ThumbnailOptions()));
            Console.WriteLine($"{"file",-28} {"bytes",12} {"median ms",10} {"p95 ms",8} {"max ms",8}  result");
            foreach (var file in files)
            {
                var times = new List<double>();
                ThumbnailOutcome? outcome = null;
                for (var i = 0; i < repeat; i++)
                {
                    var watch = Stopwatch.StartNew();
                    outcome = await maker.MakeAsync(file, CancellationToken.None);
                    times.Add(watch.Elapsed.TotalMilliseconds);
                }

                times.Sort();
                var result = outcome is ThumbnailOutcome.Made m ? $"{m.Facts.Width}x{m.Facts.Height}, {m.Facts.DurationSecs:0.##} s, poster {m.Jpeg.Length} bytes" : outcome?.ToString();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{Path.GetFileName(file),-28} {new FileInfo(file).Length,12} {times[times.Count / 2],10:0} {times[(int)Math.Ceiling(times.Count * 0.95) - 1],8:0} {times[^1],8:0}  {result}"));
            }

            return 0;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task FfmpegAsync(params string[] args)
    {
        var info = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start ffmpeg: install Debian's package ffmpeg.");
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"ffmpeg exited with {process.ExitCode}: {error}");
        }
    }

    private sealed class Fixed(ThumbnailOptions value) : IOptionsMonitor<ThumbnailOptions>
    {
        public ThumbnailOptions CurrentValue => value;

        public ThumbnailOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<ThumbnailOptions, string?> listener) => null;
    }
}

using ClipSaver.Core.Thumbnails;

namespace ClipSaver.Tests.Thumbnails;

/// <summary>
/// Poster making yields the CPU to the scans: ffprobe and ffmpeg run at a lower priority than the app
/// (docs/decisions/028-posters-yield-the-cpu.md). The real programs run behind wrappers that write down the nice value
/// they were started with.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ThumbnailPriorityTests : IDisposable
{
    private readonly string _bin = Directory.CreateTempSubdirectory("clipsaver-ffwrap-").FullName;

    public ThumbnailPriorityTests()
    {
        foreach (var program in new[] { "ffprobe", "ffmpeg" })
        {
            var wrapper = Path.Combine(_bin, program);
            // Field 19 of /proc/<pid>/stat is the nice value; exec keeps it for the real program.
            File.WriteAllText(wrapper, $"#!/bin/sh\ncut -d' ' -f19 /proc/$$/stat >> '{_bin}/{program}.nice'\nexec /usr/bin/{program} \"$@\"\n");
            File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    public void Dispose() => Directory.Delete(_bin, recursive: true);

    [Fact]
    public async Task Ffprobe_and_ffmpeg_run_at_a_lower_cpu_priority_than_the_app_and_the_app_keeps_its_own()
    {
        var clip = Path.Combine(_bin, "a.mp4");
        await File.WriteAllBytesAsync(clip, ThumbnailJobTests.Sample("a.mp4"));
        var maker = new ThumbnailMaker(new StaticMonitor<ThumbnailOptions>(new ThumbnailOptions { BinaryFolder = _bin, Timeout = TimeSpan.FromSeconds(30) }));

        var outcome = await maker.MakeAsync(clip, CancellationToken.None);

        Assert.IsType<ThumbnailOutcome.Made>(outcome);
        var own = NiceOf("/proc/self/stat");
        var expected = Math.Min(19, own + LowPriorityLauncher.Niceness);
        foreach (var program in new[] { "ffprobe", "ffmpeg" })
        {
            Assert.NotEmpty(ReadNice(program));
            Assert.All(ReadNice(program), n => Assert.Equal(expected, n));
        }

        // The process and the thread the caller continues on are not lowered with them.
        Assert.Equal(own, NiceOf("/proc/self/stat"));
        Assert.Equal(own, NiceOf("/proc/thread-self/stat"));
    }

    private List<int> ReadNice(string program) =>
        [.. File.ReadAllLines(Path.Combine(_bin, program + ".nice")).Select(l => int.Parse(l, CultureInfo.InvariantCulture))];

    private static int NiceOf(string statFile)
    {
        var stat = File.ReadAllText(statFile);
        // Fields after the command name, which is in parentheses and may hold spaces: field 19 is the 17th after it.
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[16], CultureInfo.InvariantCulture);
    }
}

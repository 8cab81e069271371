using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace ClipSaver.Core.Thumbnails;

/// <summary>
/// Starts helper processes (ffprobe, ffmpeg) at a lower CPU priority than the app, so that poster making takes the CPU
/// the scans leave over instead of slowing them down (docs/decisions/028-posters-yield-the-cpu.md). On Linux a process
/// inherits the priority (nice value) of the thread that starts it, and an unprivileged thread can lower its own
/// priority but never raise it again: so one thread of its own, lowered once, starts every such process. The caller's
/// <c>start</c> must start its process before it first waits, as FFMpegCore does; whatever it awaits afterwards runs
/// on the thread pool as usual. Elsewhere than Linux it simply calls <c>start</c>.
/// </summary>
public sealed class LowPriorityLauncher
{
    /// <summary>The nice value of the started processes: 10, what <c>nice</c> gives by default.</summary>
    public const int Niceness = 10;

    public static readonly LowPriorityLauncher Shared = new();

    private readonly BlockingCollection<Action>? _work;

    private LowPriorityLauncher()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        _work = [];
        var thread = new Thread(() =>
        {
            // PRIO_PROCESS with who = 0 is the calling thread on Linux (the nice value is per thread there).
            _ = setpriority(0, 0, Niceness);
            foreach (var start in _work.GetConsumingEnumerable())
            {
                start();
            }
        })
        { IsBackground = true, Name = "Low-priority process launcher" };
        thread.Start();
    }

    /// <summary>Runs <paramref name="start"/> on the launcher's thread until it returns its task, and awaits that task here.</summary>
    public async Task<T> RunAsync<T>(Func<Task<T>> start)
    {
        if (_work is null)
        {
            return await start();
        }

        var started = new TaskCompletionSource<Task<T>>(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Add(() =>
        {
            try
            {
                started.SetResult(start());
            }
            catch (Exception e)
            {
                started.SetException(e);
            }
        });
        return await await started.Task;
    }

    // DllImport rather than LibraryImport: the source-generated form needs unsafe code switched on for the project.
    [DllImport("libc", SetLastError = true)]
    private static extern int setpriority(int which, int who, int prio);
}

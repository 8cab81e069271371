using System.Runtime.InteropServices;

namespace ClipSaver.Core.Jobs;

/// <summary>
/// Gives the C library's free memory back to the system (glibc's <c>malloc_trim</c>), for jobs that make the runtime
/// allocate a lot of native memory for a while (decision 029). The runtime's compiler and the libraries' native
/// parts allocate with <c>malloc</c>; glibc gives each thread that allocates an arena of its own (up to eight per
/// core) and keeps what is freed in it for later, so after an export on S3 the C library held 55–60 MB of which
/// 13–16 MB were in use. A trim hands the free pages back. Elsewhere than on glibc
/// (musl, other systems) it does nothing.
/// </summary>
public static class NativeHeap
{
    private static int _unavailable;
    private static long _trims;

    /// <summary>How many trims gave memory back or found none to give (for the tests).</summary>
    public static long Trims => Interlocked.Read(ref _trims);

    /// <summary>Trims the C library's heap: true when memory went back, false when none did or there is no such call.</summary>
    public static bool Trim()
    {
        if (!OperatingSystem.IsLinux() || Volatile.Read(ref _unavailable) == 1)
        {
            return false;
        }

        try
        {
            var released = malloc_trim(0) == 1;
            Interlocked.Increment(ref _trims);
            return released;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            Volatile.Write(ref _unavailable, 1);
            return false;
        }
    }

    // DllImport rather than LibraryImport: the source-generated form needs unsafe code switched on for the project.
    [DllImport("libc")]
    private static extern int malloc_trim(nuint pad);
}

namespace ClipSaver.Core.Thumbnails;

/// <summary>ffprobe or ffmpeg could not be started on this machine: not the clip's fault, so it costs the clip no attempt.</summary>
public sealed class FFmpegUnavailableException(string message, Exception? innerException = null) : Exception(message, innerException);

/// <summary>
/// Whether this machine has ffprobe and ffmpeg where <see cref="ThumbnailOptions.BinaryFolder"/> says (or on the PATH),
/// for the thumbnail job and the health check (docs/decisions/020-thumbnails.md). While they are missing, clips wait for
/// their posters instead of failing; the warning is logged once per change, not at every run of the job.
/// </summary>
public sealed partial class FFmpegTools(IOptionsMonitor<ThumbnailOptions> options, ILogger<FFmpegTools> logger)
{
    private const int Found = 0, NotFound = 1, NotStarted = 2;

    private static readonly string[] Programs = ["ffprobe", "ffmpeg"];

    private int _state = Found;

    /// <summary>Null when both programs are there; else a sentence saying which is missing, where it was looked for, and what to do.</summary>
    public string? Missing()
    {
        var folder = options.CurrentValue.BinaryFolder;
        var missing = Programs.Where(p => Find(p, folder) is null).ToList();
        if (missing.Count == 0)
        {
            return null;
        }

        var where = string.IsNullOrEmpty(folder) ? "on the PATH" : $"in {folder} ({ThumbnailOptions.Section}:BinaryFolder)";
        return $"ffmpeg is not available on this machine: {string.Join(" and ", missing)} not found {where}. "
            + "Install it (Debian: apt-get install ffmpeg); clips wait for their previews until then.";
    }

    /// <summary>Whether the job can make thumbnails now; says so in the log when that changes.</summary>
    public bool IsAvailable()
    {
        if (Missing() is { } why)
        {
            if (Interlocked.Exchange(ref _state, NotFound) != NotFound)
            {
                LogMissing(logger, why);
            }

            return false;
        }

        if (Interlocked.CompareExchange(ref _state, Found, NotFound) == NotFound)
        {
            LogFound(logger);
        }

        return true;
    }

    /// <summary>The programs are there but could not be started (not executable, a broken install).</summary>
    public void CouldNotStart(FFmpegUnavailableException e)
    {
        if (Interlocked.Exchange(ref _state, NotStarted) != NotStarted)
        {
            LogMissing(logger, e.Message);
        }
    }

    private static string? Find(string program, string folder)
    {
        var name = OperatingSystem.IsWindows() ? program + ".exe" : program;
        var folders = string.IsNullOrEmpty(folder)
            ? (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            : [folder];
        return folders.Select(f => Path.Combine(f, name)).FirstOrDefault(File.Exists);
    }

    [LoggerMessage(LogLevel.Warning, "Thumbnails wait: {Why}")]
    private static partial void LogMissing(ILogger logger, string why);

    [LoggerMessage(LogLevel.Information, "Thumbnails: ffmpeg and ffprobe found; waiting clips get their previews now.")]
    private static partial void LogFound(ILogger logger);
}

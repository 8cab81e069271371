namespace ClipSaver.Bench;

/// <summary>A process the benchmark starts (the app, the emulator), its output kept in a log file, killed on dispose.</summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    private ChildProcess(Process process, StreamWriter log)
    {
        _process = process;
        _log = log;
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public static ChildProcess Start(string dll, IEnumerable<string> args, IReadOnlyDictionary<string, string> environment, string logFile) =>
        StartProgram("dotnet", [dll, .. args], environment, logFile, Path.GetDirectoryName(dll)!);

    /// <summary>Any program (node for the S3-protocol server, for example), its output in <paramref name="logFile"/>.</summary>
    public static ChildProcess StartProgram(string program, IEnumerable<string> args, IReadOnlyDictionary<string, string> environment, string logFile, string workingDirectory)
    {
        var log = new StreamWriter(logFile) { AutoFlush = true };
        var process = Process.Start(StartInfo(program, args, environment, workingDirectory)) ?? throw new InvalidOperationException($"Could not start {program}.");
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ChildProcess(process, log);
    }

    /// <summary>Runs a command of the app to its end and returns its standard output.</summary>
    public static Task<string> RunAsync(string dll, IEnumerable<string> args, IReadOnlyDictionary<string, string> environment) =>
        RunProgramAsync("dotnet", [dll, .. args], environment, Path.GetDirectoryName(dll)!);

    /// <summary>Runs a program to its end (in the current folder unless told) and returns its standard output; throws when it fails.</summary>
    public static async Task<string> RunProgramAsync(string program, IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        using var process = Process.Start(StartInfo(program, args, environment ?? new Dictionary<string, string>(), workingDirectory ?? Environment.CurrentDirectory))
            ?? throw new InvalidOperationException($"Could not start {program}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} exited with {process.ExitCode}: {await error}");
        }

        return await output;
    }

    /// <summary><c>program args…</c> (for the app: <c>dotnet &lt;dll&gt; args…</c> in the dll's folder), with its output read by the caller.</summary>
    private static ProcessStartInfo StartInfo(string program, IEnumerable<string> args, IReadOnlyDictionary<string, string> environment, string workingDirectory)
    {
        var info = new ProcessStartInfo(program) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        return info;
    }

    /// <summary>Resident memory now and at its peak (VmRSS, VmHWM), in bytes, from the kernel's view of the process.</summary>
    public (long Rss, long Peak) Memory()
    {
        long rss = 0, peak = 0;
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = Kilobytes(line) * 1024;
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                peak = Kilobytes(line) * 1024;
            }
        }

        return (rss, peak);

        static long Kilobytes(string line) => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }

    /// <summary>SIGKILL to the process alone, as a power cut or the kernel's OOM killer would end it: no shutdown code runs.</summary>
    public void KillHard()
    {
        _process.Kill(entireProcessTree: false);
        _process.WaitForExit(10_000);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
        lock (_log)
        {
            _log.Dispose();
        }
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            if (log.BaseStream.CanWrite)
            {
                log.WriteLine(line);
            }
        }
    }
}

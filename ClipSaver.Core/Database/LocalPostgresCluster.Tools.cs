namespace ClipSaver.Core.Database;

/// <summary>Finding the server's tools on the machine and running them (as the <c>postgres</c> user under root).</summary>
public sealed partial class LocalPostgresCluster
{
    private (int ExitCode, string Output) Run(string tool, IReadOnlyList<string> arguments)
    {
        var exe = Path.Combine(BinDirectory, tool);
        return _runAs is null
            ? RunPlain(exe, arguments)
            : RunPlain("runuser", ["-u", _runAs, "--", exe, .. arguments]);
    }

    private static (int ExitCode, string Output) RunPlain(string fileName, IReadOnlyList<string> arguments)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // The server must not sit in this process's folder, which may be removed.
            WorkingDirectory = "/",
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        // pg_ctl start leaves the server holding inherited pipes, so read until the tool exits, not to end of stream.
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        var output = (stdout.Wait(TimeSpan.FromSeconds(2)) ? stdout.Result : "") + (stderr.Wait(TimeSpan.FromSeconds(2)) ? stderr.Result : "");
        return (process.ExitCode, output);
    }

    internal static string? FindBinDirectory(string? searchPath, string debianRoot)
    {
        foreach (var dir in (searchPath ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var pgCtl = Path.Combine(dir, "pg_ctl");
            if (File.Exists(pgCtl) && File.Exists(Path.Combine(dir, "initdb")))
            {
                // Debian puts symlinks on PATH; the real folder keeps the server next to the tools.
                var real = new FileInfo(pgCtl).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? pgCtl;
                return Path.GetDirectoryName(real);
            }
        }

        if (!Directory.Exists(debianRoot))
        {
            return null;
        }

        return Directory.GetDirectories(debianRoot)
            .Select(d => (Dir: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), out var v) ? v : 0))
            .Where(x => File.Exists(Path.Combine(x.Dir, "pg_ctl")) && File.Exists(Path.Combine(x.Dir, "initdb")))
            .OrderByDescending(x => x.Version)
            .Select(x => x.Dir)
            .FirstOrDefault();
    }

    private static bool UserExists(string name) =>
        File.Exists("/etc/passwd") && File.ReadLines("/etc/passwd").Any(l => l.StartsWith(name + ":", StringComparison.Ordinal));

    // Environment.UserName is the name of the effective user id on Unix.
    public static bool IsRoot() => !OperatingSystem.IsWindows() && Environment.UserName == "root";
}

namespace ClipSaver.Core.Database;

public sealed partial class LocalPostgresCluster
{
    /// <summary>
    /// Stops the server (and deletes <paramref name="thenDelete"/>, when given) once process
    /// <paramref name="processId"/> has ended, however it ended. A test host killed by its runner never runs its exit
    /// handlers, and a server left running outlives the test run with every file handle it inherited. A small watcher
    /// outside the process tree (so that killing the tree spares it) checks every second whether the process is
    /// still there. Does nothing for a server this process did not start, or off Unix.
    /// </summary>
    public void StopWhenProcessEnds(int processId, string? thenDelete = null)
    {
        if (!_startedByUs || OperatingSystem.IsWindows())
        {
            return;
        }

        // The watcher keeps no handle of this process's: its standard streams go to /dev/null and every other
        // inherited descriptor is closed, so nobody waiting for this process's output waits for the watcher.
        const string Watch = """
            for fd in /proc/$BASHPID/fd/*; do n=${fd##*/}; [ "$n" -gt 2 ] && eval "exec $n>&-"; done 2>/dev/null
            while kill -0 "$WATCH_PID" 2>/dev/null; do sleep 1; done
            if [ -n "$RUN_AS" ]; then runuser -u "$RUN_AS" -- "$PG_CTL" stop -D "$PG_DATA" -m immediate -w -t 30
            else "$PG_CTL" stop -D "$PG_DATA" -m immediate -w -t 30; fi
            if [ -n "$THEN_DELETE" ]; then rm -rf -- "$THEN_DELETE"; fi
            """;
        var info = new ProcessStartInfo("bash")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
            // The outer shell starts the watcher in the background and ends: the watcher's parent is then init.
            ArgumentList = { "-c", $"({Watch}) </dev/null >/dev/null 2>&1 &" },
            Environment =
            {
                ["WATCH_PID"] = processId.ToString(CultureInfo.InvariantCulture),
                ["RUN_AS"] = _runAs ?? "",
                ["PG_CTL"] = Path.Combine(BinDirectory, "pg_ctl"),
                ["PG_DATA"] = DataDirectory,
                ["THEN_DELETE"] = thenDelete ?? "",
            },
        };
        using var starter = Process.Start(info) ?? throw new LocalPostgresUnavailableException("bash could not be started to watch the test process.");
        starter.WaitForExit();
    }
}

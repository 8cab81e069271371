namespace ClipSaver.Tests.Emulator;

/// <summary>The emulator run on its own (as eng/scale-out.sh and the benchmarks run it) stops when a script stops it.</summary>
public sealed class StandaloneEmulatorTests
{
    [Fact]
    public async Task SIGTERM_stops_the_standalone_emulator()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "ClipSaver.DiscordEmulator.dll");
        var port = 20000 + Random.Shared.Next(0, 20000);
        using var process = Process.Start(new ProcessStartInfo("dotnet") { ArgumentList = { dll, "--Port", $"{port}" }, RedirectStandardOutput = true, RedirectStandardError = true })!;
        try
        {
            // Listening once it has printed its addresses.
            string? line;
            do
            {
                line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            }
            while (line is not null && !line.StartsWith("Discord emulator listening on", StringComparison.Ordinal));

            Assert.NotNull(line);

            Process.Start("kill", ["-TERM", $"{process.Id}"])!.WaitForExit();

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await process.WaitForExitAsync(timeout.Token);
            Assert.True(process.HasExited);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }
}

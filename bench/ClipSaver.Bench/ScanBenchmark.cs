using System.Net.Sockets;

namespace ClipSaver.Bench;

/// <summary>
/// Archives a generated guild end to end: the app (its release build, in its own process, with its default workers and
/// Discord client) scans every channel of a guild served by the Discord emulator (in another process, with its
/// Discord-like rate limits) into a local PostgreSQL and a clip folder. Prints messages per second, API requests per
/// second against the ceiling the rate limits allow, the 429s, and the app's memory.
/// </summary>
public static class ScanBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var channelCounts = Bench.IntListArg(args, "--channels", "100,1000");
        var messages = Bench.IntArg(args, "--messages", 10000);
        var app = Bench.FindBuild("ClipSaver.Web", "ClipSaver.Web.dll");
        Console.WriteLine($"{Environment.ProcessorCount} cores; app {app}");
        foreach (var channels in channelCounts)
        {
            await RunScenarioAsync(app, channels, messages);
        }

        return 0;
    }

    private static async Task RunScenarioAsync(string app, int channels, int messages)
    {
        var (root, cluster, cs) = Bench.StartDatabase($"scan-{channels}");
        try
        {
            var emulatorPort = Bench.FreePort();
            var appPort = Bench.FreePort();
            var emulatorBase = $"http://127.0.0.1:{emulatorPort}/";
            using var emulator = ChildProcess.Start(Path.Combine(Path.GetDirectoryName(app)!, "ClipSaver.DiscordEmulator.dll"),
                [
                    "--Port", $"{emulatorPort}", "--Guilds", "1", "--Channels", $"{channels}", "--Messages", $"{messages}", "--Members", "50",
                    "--VideoShare", "0.1", "--EmbedShare", "0", "--ExtraChannels", "false", "--MinClipBytes", "1000", "--MaxClipBytes", "16000",
                ],
                new Dictionary<string, string>(), Path.Combine(root, "emulator.log"));
            using var control = new HttpClient { BaseAddress = new Uri(emulatorBase) };
            await Bench.WaitUntilAsync(async () => (await Bench.TryGetAsync(control, "_emulator/world")) == HttpStatusCode.OK, TimeSpan.FromSeconds(60), "the emulator to start");

            var owner = DemoUsers.Owner.Id.ToString(CultureInfo.InvariantCulture);
            var environment = Bench.AppEnvironment(cs, appPort, emulatorBase, Path.Combine(root, "clips"), owner);
            environment["ClipSaver__Jobs__RecurringEnabled"] = "false";
            var (server, api) = await Bench.StartAppAsync(app, environment, owner, appPort, Path.Combine(root, "app.log"));
            using var serverProcess = server;
            using var apiClient = api;

            (await api.PostAsJsonAsync("api/maintenance/jobs/guild-reconciliation/run", new { })).EnsureSuccessStatusCode();
            string? guildId = null;
            List<string> channelIds = [];
            await Bench.WaitUntilAsync(async () =>
            {
                var guilds = await api.GetFromJsonAsync<JsonElement>("api/guilds");
                guildId = Bench.Items(guilds).Select(g => g.GetProperty("id").GetString()).FirstOrDefault(g => g is not null);
                if (guildId is null)
                {
                    return false;
                }

                var list = await api.GetFromJsonAsync<JsonElement>($"api/guilds/{guildId}/channels");
                channelIds = [.. Bench.Items(list).Where(c => c.GetProperty("type").GetInt32() == 0).Select(c => c.GetProperty("id").GetString()!)];
                return channelIds.Count == channels;
            }, TimeSpan.FromSeconds(120), "the guild and its channels to be synced");

            var baseline = await BotStatsAsync(control);
            var idle = server.Memory().Rss;
            var watch = Stopwatch.StartNew();
            await Parallel.ForEachAsync(channelIds, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (channel, ct) =>
                (await api.PutAsJsonAsync($"api/guilds/{guildId}/channels/{channel}/archiving", new { enabled = true }, ct)).EnsureSuccessStatusCode());

            // Every second: the scans' progress from the database, the requests from the emulator, the app's memory.
            var samples = new List<Sample>();
            var lastPrint = TimeSpan.Zero;
            while (true)
            {
                await Task.Delay(1000);
                var progress = await ProgressAsync(cs);
                var stats = await BotStatsAsync(control);
                var (rss, _) = server.Memory();
                samples.Add(new Sample(watch.Elapsed, stats.Requests - baseline.Requests, progress.Running, rss, progress.MessagesRead));
                if (watch.Elapsed - lastPrint >= TimeSpan.FromSeconds(30))
                {
                    lastPrint = watch.Elapsed;
                    Console.WriteLine($"  {watch.Elapsed.TotalSeconds,6:0} s: {progress.Completed}/{channels} channels done, {progress.Running} running, {progress.MessagesRead:N0} messages, {stats.Requests - baseline.Requests:N0} requests, RSS {rss / 1048576.0:0} MiB");
                }

                if (progress.Failed > 0)
                {
                    throw new InvalidOperationException($"{progress.Failed} scan(s) failed; see {root}/app.log.");
                }

                if (progress.Completed >= channels && progress.Running == 0 && progress.Queued == 0)
                {
                    break;
                }

                if (server.HasExited)
                {
                    throw new InvalidOperationException($"The app stopped; see {root}/app.log.");
                }
            }

            var elapsed = watch.Elapsed;
            var done = await ProgressAsync(cs);
            var after = await BotStatsAsync(control);
            var (_, peak) = server.Memory();
            Report(channels, messages, elapsed, done, baseline, after, samples, idle, peak);
        }
        catch
        {
            Console.Error.WriteLine($"The app's and the emulator's logs are kept in {root}.");
            if (Directory.Exists(Path.Combine(root, "clips")))
            {
                Directory.Delete(Path.Combine(root, "clips"), recursive: true);
            }

            throw;
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            cluster.Dispose();
        }

        Directory.Delete(root, recursive: true);
    }

    private sealed record Sample(TimeSpan At, long Requests, int Running, long Rss, long Messages);

    internal sealed record Progress(int Queued, int Running, int Completed, int Failed, long MessagesRead, long ClipsFound, long FilesStored, long BytesStored);

    internal sealed record BotStats(long Requests, long RateLimitedUser, long RateLimitedGlobal, long RateLimitedShared, Dictionary<string, long> ByRoute);

    private static void Report(int channels, int messages, TimeSpan elapsed, Progress done, BotStats before, BotStats after, List<Sample> samples, long idleRss, long peakRss)
    {
        var requests = after.Requests - before.Requests;
        var limited = (after.RateLimitedUser - before.RateLimitedUser) + (after.RateLimitedGlobal - before.RateLimitedGlobal) + (after.RateLimitedShared - before.RateLimitedShared);
        // The ceiling: Discord's global limit of 50 requests a second, unless fewer channels are being read than it
        // takes to reach it (each channel is its own bucket of 20 a second in the emulator).
        var limits = new RateLimitSettings();
        double Ceiling(int running) => Math.Min(limits.GlobalPerSecond, running * limits.For("messages").Limit / limits.For("messages").Window.TotalSeconds);
        var busy = samples.Zip(samples.Skip(1), (a, b) => (Seconds: (b.At - a.At).TotalSeconds, Requests: b.Requests - a.Requests, Ceiling: Ceiling(a.Running)))
            .Where(s => s.Ceiling > 0).ToList();
        var allowed = busy.Sum(s => s.Ceiling * s.Seconds);
        var steady = busy.Where(s => s.Ceiling >= limits.GlobalPerSecond).ToList();
        var steadyRate = steady.Count == 0 ? 0 : steady.Sum(s => s.Requests) / steady.Sum(s => s.Seconds);
        var rssDuring = samples.Select(s => s.Rss).DefaultIfEmpty(0).Max();

        Console.WriteLine();
        Console.WriteLine($"== {channels:N0} channels x {messages:N0} messages = {(long)channels * messages:N0} messages (1 in 10 with a video)");
        Console.WriteLine($"time:                   {elapsed.TotalSeconds,10:0.0} s");
        Console.WriteLine($"messages read:          {done.MessagesRead,10:N0}  ({done.MessagesRead / elapsed.TotalSeconds:N0} per second)");
        Console.WriteLine($"clips found / stored:   {done.ClipsFound,10:N0} / {done.FilesStored:N0}  ({done.BytesStored / 1048576.0:N0} MiB)");
        Console.WriteLine($"API requests:           {requests,10:N0}  ({requests / elapsed.TotalSeconds:0.0} per second overall)");
        Console.WriteLine($"  while >= 3 channels read: {steadyRate,6:0.0} per second against a ceiling of {limits.GlobalPerSecond} ({steadyRate / limits.GlobalPerSecond:P0}; goal: at least 90%)");
        Console.WriteLine($"  whole run:            {requests / allowed,10:P0} of what the limits allowed while scans ran");
        Console.WriteLine($"429 answers:            {limited,10:N0}  (goal: none)");
        Console.WriteLine($"app memory (RSS):       idle {idleRss / 1048576.0:0} MiB, highest while scanning {rssDuring / 1048576.0:0} MiB, process peak {peakRss / 1048576.0:0} MiB");
        Console.WriteLine($"requests by route:      {string.Join(", ", after.ByRoute.Select(r => $"{r.Key} {r.Value - before.ByRoute.GetValueOrDefault(r.Key):N0}").Where(r => !r.EndsWith(" 0", StringComparison.Ordinal)))}");
    }

    internal static async Task<Progress> ProgressAsync(string cs)
    {
        await using var connection = new NpgsqlConnection(cs);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            """
            SELECT count(*) FILTER (WHERE status = 'queued'), count(*) FILTER (WHERE status = 'running'), count(*) FILTER (WHERE status = 'completed'),
                count(*) FILTER (WHERE status = 'failed'), coalesce(sum(messages_read), 0)::bigint, coalesce(sum(clips_found), 0)::bigint,
                coalesce(sum(files_stored), 0)::bigint, coalesce(sum(bytes_stored), 0)::bigint
            FROM scan_runs
            """, connection);
        await using var reader = await cmd.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new Progress((int)reader.GetInt64(0), (int)reader.GetInt64(1), (int)reader.GetInt64(2), (int)reader.GetInt64(3),
            reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6), reader.GetInt64(7));
    }

    internal static async Task<BotStats> BotStatsAsync(HttpClient control)
    {
        var all = await control.GetFromJsonAsync<JsonElement>("_emulator/stats");
        if (!all.TryGetProperty(Bench.BotToken, out var bot))
        {
            return new BotStats(0, 0, 0, 0, []);
        }

        return new BotStats(bot.GetProperty("requests").GetInt64(), bot.GetProperty("rate_limited_user").GetInt64(), bot.GetProperty("rate_limited_global").GetInt64(),
            bot.GetProperty("rate_limited_shared").GetInt64(), bot.GetProperty("requests_by_route").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64()));
    }
}

namespace ClipSaver.Bench;

/// <summary>
/// The live bot under load: the app (release build, own process, Production settings, Gateway on) archives N channels
/// of a guild in the Discord emulator (in this process, so that messages can be posted into its world directly); then
/// M messages (1 in 10 with a video) are posted across the channels at a fixed rate. Prints the time from a message's
/// post to its file stored (p50, p99; the file's write time against the message's time), the video messages whose file
/// never arrived, and the Discord API requests the app made while events carried the messages, against what polling
/// the same channels every 10 minutes costs. With <c>--drop</c> the Gateway connection is dropped halfway (no close
/// frame); the app resumes and nothing may be lost.
/// </summary>
public static class GatewayBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var channels = Bench.IntArg(args, "--channels", 1000);
        var messages = Bench.IntArg(args, "--messages", 10000);
        var rate = Bench.IntArg(args, "--rate", 100);
        var drop = args.Contains("--drop");
        var app = Bench.FindBuild("ClipSaver.Web", "ClipSaver.Web.dll");
        Console.WriteLine($"{Environment.ProcessorCount} cores; app {app}; {channels} channels, {messages} messages at {rate}/s{(drop ? ", connection dropped halfway" : "")}");

        var (root, cluster, cs) = Bench.StartDatabase("gateway");
        try
        {
            var options = new EmulatorOptions
            {
                Port = Bench.FreePort(),
                World = new WorldShape
                {
                    Guilds = 1,
                    TextChannelsPerGuild = channels,
                    MessagesPerChannel = 0,
                    MembersPerGuild = 50,
                    VideoShare = 0,
                    EmbedShare = 0,
                    ExtraChannels = false,
                    MinClipBytes = 10_000,
                    MaxClipBytes = 10_000,
                },
            };
            await using var emulator = await EmulatorHost.StartAsync(options);
            var appPort = Bench.FreePort();
            var clips = Path.Combine(root, "clips");
            var owner = DemoUsers.Owner.Id.ToString(CultureInfo.InvariantCulture);
            var environment = Bench.AppEnvironment(cs, appPort, emulator.BaseAddress.ToString(), clips, owner);
            environment["ClipSaver__Jobs__RecurringEnabled"] = "false";
            var (server, api) = await Bench.StartAppAsync(app, environment, owner, appPort, Path.Combine(root, "app.log"));
            using var serverProcess = server;
            using var apiClient = api;

            // The guild and its channels arrive by GUILD_CREATE; then every channel is archived (a first, empty scan each).
            var guild = emulator.World.Guilds.Single();
            var channelIds = emulator.World.Channels(guild.Id).Where(c => c.Type == 0).Select(c => c.Id).ToList();
            await Bench.WaitUntilAsync(async () => await CountAsync(cs, "SELECT count(*) FROM channels WHERE type = 0") == channels, TimeSpan.FromSeconds(120), "the channels from GUILD_CREATE");
            var beforeArchiving = emulator.Stats.For(Bench.BotToken).Requests;
            await Parallel.ForEachAsync(channelIds, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (channel, ct) =>
                (await api.PutAsJsonAsync($"api/guilds/{guild.Id}/channels/{channel}/archiving", new { enabled = true }, ct)).EnsureSuccessStatusCode());
            await Bench.WaitUntilAsync(async () => await CountAsync(cs, "SELECT count(*) FROM scan_runs WHERE status = 'completed'") >= channels, TimeSpan.FromMinutes(10), "the first scans");
            var perScan = (emulator.Stats.For(Bench.BotToken).Requests - beforeArchiving) / (double)channels;

            // The load: messages across the channels at the rate; every tenth carries a video.
            var members = emulator.World.Members(guild.Id).Where(m => !m.User.Bot).Select(m => m.User.Id).ToList();
            var baseline = emulator.Stats.For(Bench.BotToken).Requests;
            var videos = new List<EmulatedMessage>();
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < messages; i++)
            {
                var due = TimeSpan.FromSeconds(i / (double)rate);
                if (due > watch.Elapsed)
                {
                    await Task.Delay(due - watch.Elapsed);
                }

                if (drop && i == messages / 2)
                {
                    emulator.Gateway.Drop();
                }

                var channel = channelIds[i % channelIds.Count];
                var author = members[i % members.Count];
                if (i % 10 == 0)
                {
                    videos.Add(emulator.World.PostMessage(channel, author, "clip", new NewAttachment($"clip-{i}.mp4", 10_000, "video/mp4")));
                }
                else
                {
                    emulator.World.PostMessage(channel, author, "chat");
                }
            }

            var posting = watch.Elapsed;
            var stored = await WaitForFilesAsync(cs, clips, videos.Count);
            var requests = emulator.Stats.For(Bench.BotToken).Requests - baseline;
            Report(channels, messages, posting, videos, stored, requests, perScan, emulator);
        }
        catch
        {
            Console.Error.WriteLine($"The app's log is kept in {root}.");
            throw;
        }
        finally
        {
            cluster.Dispose();
        }

        Directory.Delete(root, recursive: true);
        return 0;
    }

    /// <summary>Waits (up to a minute after the last post) for the files, then reads each clip's message id and its file's write time.</summary>
    private static async Task<Dictionary<long, DateTimeOffset>> WaitForFilesAsync(string cs, string clips, int expected)
    {
        try
        {
            await Bench.WaitUntilAsync(async () => await CountAsync(cs, "SELECT count(*) FROM clips WHERE storage_key IS NOT NULL") >= expected, TimeSpan.FromMinutes(1), "the files");
        }
        catch (TimeoutException e)
        {
            Console.WriteLine($"  {e.Message}");
        }

        var stored = new Dictionary<long, DateTimeOffset>();
        await using var connection = new NpgsqlConnection(cs);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT message_id, storage_key FROM clips WHERE storage_key IS NOT NULL", connection);
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            stored[reader.GetInt64(0)] = File.GetLastWriteTimeUtc(Path.Combine(clips, reader.GetString(1)));
        }

        return stored;
    }

    private static void Report(int channels, int messages, TimeSpan posting, List<EmulatedMessage> videos, Dictionary<long, DateTimeOffset> stored, long requests, double perScan, EmulatorHost emulator)
    {
        var latencies = videos.Where(v => stored.ContainsKey((long)v.Id)).Select(v => (stored[(long)v.Id] - v.Timestamp).TotalMilliseconds).Order().ToList();
        var lost = videos.Count(v => !stored.ContainsKey((long)v.Id));
        double Percentile(double p) => latencies.Count == 0 ? double.NaN : latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(p * latencies.Count) - 1)];

        // Polling: every archived channel read every 10 minutes (each scan costs what the first, empty scans cost).
        var pollingPerHour = channels * 6 * perScan;
        // Events: what the app asked for during the run, scaled to an hour at this rate, plus the safety-net poll every 6 hours.
        var eventsPerHour = (requests / posting.TotalHours) + (channels / 6.0 * perScan);
        var idleEventsPerHour = channels / 6.0 * perScan;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
            {messages:N0} messages posted in {posting.TotalSeconds:0.0} s ({messages / posting.TotalSeconds:0} a second); {videos.Count:N0} with a video
            event → file stored: p50 {Percentile(0.50):0} ms, p99 {Percentile(0.99):0} ms, max {latencies.LastOrDefault():0} ms
            videos lost (no file): {lost}
            Gateway: {emulator.Gateway.Identifies} identify, {emulator.Gateway.Resumes} resume(s), at most {emulator.Gateway.MaxLiveSessionsOfAnyShard} session(s) per shard
            Discord API requests during the run: {requests:N0} ({requests / posting.TotalHours:N0} an hour at this rate); a scan costs {perScan:0.00} requests
            requests an hour: polling every 10 min {pollingPerHour:N0}; events {eventsPerHour:N0} at this message rate, {idleEventsPerHour:N0} for the safety-net polls alone ({pollingPerHour / Math.Max(1, eventsPerHour):0.0}× fewer)
            """));
    }

    private static async Task<long> CountAsync(string cs, string sql)
    {
        await using var connection = new NpgsqlConnection(cs);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }
}

using Amazon.S3.Model;

namespace ClipSaver.Bench;

/// <summary>
/// The scaled-out setup (eng/scale-out.sh: PostgreSQL, an S3-protocol server, the emulator with Discord's limits, N
/// app instances) scanning a guild whose channels are switched on through every instance in turn; then an
/// all-channels purge requested on the last instance. With <c>--kill</c>, one instance is killed with SIGKILL once a
/// third of the channels are done, and the instance that runs the purge is killed as soon as it starts it. Prints
/// requests per second against Discord's ceiling, 429s, scan throughput, and checks that nothing was lost or done
/// twice: every channel completed once, each attachment stored once, one object per stored clip, the purge run once
/// and its files gone from the bucket.
/// </summary>
public static class ScaleOutBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var instanceCounts = Bench.IntListArg(args, "--instances", "1,3");
        var channels = Bench.IntArg(args, "--channels", 100);
        var messages = Bench.IntArg(args, "--messages", 2000);
        var kill = args.Contains("--kill");
        var keep = args.Contains("--keep");
        var videoShare = Bench.Arg(args, "--video-share", "0.1");
        var app = Bench.AppBuild();
        Console.WriteLine($"{Environment.ProcessorCount} cores; app {app}");
        foreach (var instances in instanceCounts)
        {
            await RunScenarioAsync(app, instances, channels, messages, videoShare, kill && instances > 1, keep);
        }

        return 0;
    }

    private static async Task RunScenarioAsync(string app, int instances, int channels, int messages, string videoShare, bool kill, bool keep)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"clipsaver-bench-scaleout-{Environment.ProcessId}-{instances}");
        var basePort = 20000 + (Random.Shared.Next(0, 400) * 10);
        var script = Path.Combine(Bench.RepoRoot(), "eng", "scale-out.sh");
        var env = new Dictionary<string, string>
        {
            ["CLIPSAVER_BUILD"] = Path.GetDirectoryName(app)!,
            ["CLIPSAVER_BASE_PORT"] = $"{basePort}",
            ["CLIPSAVER_EMULATOR_ARGS"] = $"--Guilds 1 --Channels {channels} --Messages {messages} --Members 50 --VideoShare {videoShare} --EmbedShare 0 --ExtraChannels false --MinClipBytes 1000 --MaxClipBytes 16000",
            ["ClipSaver__Purge__UndoWindow"] = "00:00:00",
        };
        await ScriptAsync(script, env, "start", dir, $"{instances}");
        try
        {
            var settings = File.ReadAllLines(Path.Combine(dir, "scale-out.env")).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
            var cs = settings["DATABASE"];
            var urls = settings["APP_URLS"].Split(' ');
            using var control = new HttpClient { BaseAddress = new Uri(settings["EMULATOR_URL"]) };
            var owner = DemoUsers.Owner.Id.ToString(CultureInfo.InvariantCulture);
            var tokenEnv = Bench.AppEnvironment(cs, 0, settings["EMULATOR_URL"], dir, owner);
            var token = (await ChildProcess.RunAsync(app, ["tokens", "create", "--user", owner, "--name", "bench"], tokenEnv))
                .Split('\n').Select(l => l.Trim()).First(l => l.StartsWith("cs_", StringComparison.Ordinal));
            var apis = urls.Select(u =>
            {
                var c = new HttpClient { BaseAddress = new Uri(u) };
                c.DefaultRequestHeaders.Authorization = new("Bearer", token);
                return c;
            }).ToList();

            (await apis[0].PostAsJsonAsync("api/maintenance/jobs/guild-reconciliation/run", new { })).EnsureSuccessStatusCode();
            string guildId = "";
            List<string> channelIds = [];
            await Bench.WaitUntilAsync(async () =>
            {
                var guilds = await apis[0].GetFromJsonAsync<JsonElement>("api/guilds");
                guildId = Bench.Items(guilds).Select(g => g.GetProperty("id").GetString()).FirstOrDefault(g => g is not null) ?? "";
                if (guildId.Length == 0)
                {
                    return false;
                }

                var list = await apis[0].GetFromJsonAsync<JsonElement>($"api/guilds/{guildId}/channels");
                channelIds = [.. Bench.Items(list).Where(c => c.GetProperty("type").GetInt32() == 0).Select(c => c.GetProperty("id").GetString()!)];
                return channelIds.Count == channels;
            }, TimeSpan.FromSeconds(120), "the guild and its channels to be synced");

            var baseline = await ScanBenchmark.BotStatsAsync(control);
            var watch = Stopwatch.StartNew();
            await Parallel.ForEachAsync(channelIds.Select((c, i) => (c, i)), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (item, ct) =>
                (await apis[item.i % apis.Count].PutAsJsonAsync($"api/guilds/{guildId}/channels/{item.c}/archiving", new { enabled = true }, ct)).EnsureSuccessStatusCode());

            var samples = new List<(TimeSpan At, long Requests, int Running)>();
            var killedAt = (TimeSpan?)null;
            while (true)
            {
                await Task.Delay(1000);
                var progress = await ScanBenchmark.ProgressAsync(cs);
                var stats = await ScanBenchmark.BotStatsAsync(control);
                samples.Add((watch.Elapsed, stats.Requests - baseline.Requests, progress.Running));
                if (kill && killedAt is null && progress.Completed >= channels / 3)
                {
                    await ScriptAsync(script, env, "kill", dir, "2");
                    killedAt = watch.Elapsed;
                    Console.WriteLine($"  {watch.Elapsed.TotalSeconds,6:0} s: kill -9 of instance 2 ({progress.Completed}/{channels} channels done, {progress.Running} running)");
                }

                if (progress.Failed > 0)
                {
                    throw new InvalidOperationException($"{progress.Failed} scan(s) failed; see {dir}.");
                }

                if (progress.Completed >= channels && progress.Running == 0 && progress.Queued == 0)
                {
                    break;
                }

                if (watch.Elapsed > TimeSpan.FromMinutes(30))
                {
                    throw new TimeoutException($"The scans did not finish in 30 minutes; see {dir}.");
                }
            }

            var elapsed = watch.Elapsed;
            var done = await ScanBenchmark.ProgressAsync(cs);
            var after = await ScanBenchmark.BotStatsAsync(control);
            var bucket = new S3StorageOptions { ServiceUrl = settings["S3_URL"], Bucket = "clips", AccessKey = "S3RVER", SecretKey = "S3RVER" };
            var checks = await CheckScansAsync(cs, bucket, channels);
            ReportScans(instances, channels, messages, elapsed, done, baseline, after, samples, killedAt, checks);

            var purge = await PurgeAsync(cs, apis[^1], guildId, kill ? script : null, env, dir, bucket);
            Console.WriteLine(purge);
        }
        catch
        {
            Console.Error.WriteLine($"The logs are kept in {dir}.");
            throw;
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await ScriptAsync(script, env, "stop", dir);
        }

        if (!keep)
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private sealed record ScanChecks(long Clips, long DistinctAttachments, long StoredClips, long Objects, long ScanRuns);

    private static async Task<ScanChecks> CheckScansAsync(string cs, S3StorageOptions bucket, int channels)
    {
        await using var connection = new NpgsqlConnection(cs);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            "SELECT count(*), count(DISTINCT attachment_id), count(storage_key), (SELECT count(*) FROM scan_runs) FROM clips", connection);
        await using var reader = await cmd.ExecuteReaderAsync();
        await reader.ReadAsync();
        var storage = new S3ClipStorage(ClipStorageSetup.CreateClient(bucket), bucket, Microsoft.Extensions.Logging.Abstractions.NullLogger<S3ClipStorage>.Instance);
        // Clips' files only: the posters the thumbnail job makes beside them are not clips.
        var objects = await storage.ListAsync("", CancellationToken.None).LongCountAsync(o => !ClipStorageKeys.IsThumbnail(o.Key));
        return new ScanChecks(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), objects, reader.GetInt64(3));
    }

    private static void ReportScans(int instances, int channels, int messages, TimeSpan elapsed, ScanBenchmark.Progress done, ScanBenchmark.BotStats before,
        ScanBenchmark.BotStats after, List<(TimeSpan At, long Requests, int Running)> samples, TimeSpan? killedAt, ScanChecks checks)
    {
        var requests = after.Requests - before.Requests;
        var limited = (after.RateLimitedUser - before.RateLimitedUser) + (after.RateLimitedGlobal - before.RateLimitedGlobal) + (after.RateLimitedShared - before.RateLimitedShared);
        var ceiling = new RateLimitSettings().GlobalPerSecond;
        var steady = samples.Zip(samples.Skip(1), (a, b) => (Seconds: (b.At - a.At).TotalSeconds, Requests: b.Requests - a.Requests, a.Running))
            .Where(s => s.Running >= 3).ToList();
        var rate = steady.Count == 0 ? 0 : steady.Sum(s => s.Requests) / steady.Sum(s => s.Seconds);
        var peak = samples.Zip(samples.Skip(1), (a, b) => (b.Requests - a.Requests) / (b.At - a.At).TotalSeconds).DefaultIfEmpty(0).Max();
        Console.WriteLine();
        Console.WriteLine($"== {instances} instance(s), {channels} channels x {messages:N0} messages ({checks.Clips:N0} clips){(killedAt is { } k ? $", instance 2 killed at {k.TotalSeconds:0} s" : "")}");
        Console.WriteLine($"time:                   {elapsed.TotalSeconds,10:0.0} s");
        Console.WriteLine($"messages read:          {done.MessagesRead,10:N0}  ({done.MessagesRead / elapsed.TotalSeconds:N0} per second)");
        Console.WriteLine($"API requests:           {requests,10:N0}  ({requests / elapsed.TotalSeconds:0.0} per second overall)");
        Console.WriteLine($"  while >= 3 channels read: {rate,6:0.0} per second against a ceiling of {ceiling} ({rate / ceiling:P0}; goal: at least 90%, at most 100%)");
        Console.WriteLine($"  highest one-second rate: {peak,5:0.0}");
        Console.WriteLine($"429 answers:            {limited,10:N0}  (goal: none; route {after.RateLimitedUser - before.RateLimitedUser}, global {after.RateLimitedGlobal - before.RateLimitedGlobal}, shared {after.RateLimitedShared - before.RateLimitedShared})");
        Console.WriteLine($"requests by route:      {string.Join(", ", after.ByRoute.Select(r => $"{r.Key} {r.Value - before.ByRoute.GetValueOrDefault(r.Key):N0}").Where(r => !r.EndsWith(" 0", StringComparison.Ordinal)))}");
        Console.WriteLine($"clips / attachments:    {checks.Clips,10:N0} / {checks.DistinctAttachments:N0} distinct (each stored once)");
        Console.WriteLine($"stored clips / objects: {checks.StoredClips,10:N0} / {checks.Objects:N0} in the bucket");
        Console.WriteLine($"scan runs:              {checks.ScanRuns,10:N0} for {channels} channels, {done.Completed} completed, {done.Failed} failed");
    }

    private static async Task<string> PurgeAsync(string cs, HttpClient api, string guildId, string? killScript, Dictionary<string, string> env, string dir, S3StorageOptions bucket)
    {
        var watch = Stopwatch.StartNew();
        var response = await api.PostAsJsonAsync($"api/guilds/{guildId}/channels/purge", new { confirm = "DELETE ALL CHANNELS" });
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"The purge request answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        string? killed = null;
        await using var connection = new NpgsqlConnection(cs);
        await connection.OpenAsync();
        while (true)
        {
            await using var cmd = new NpgsqlCommand("SELECT status, hangfire_job_id FROM purge_runs", connection);
            await using var reader = await cmd.ExecuteReaderAsync();
            await reader.ReadAsync();
            var (status, job) = (reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1));
            await reader.CloseAsync();
            if (killScript is not null && killed is null && status == "running" && job is not null && await InstanceRunningAsync(connection, job, dir) is { } instance)
            {
                await ScriptAsync(killScript, env, "kill", dir, instance);
                killed = instance;
            }

            if (status is "completed" or "failed")
            {
                break;
            }

            if (watch.Elapsed > TimeSpan.FromMinutes(10))
            {
                throw new TimeoutException("The purge did not finish in 10 minutes.");
            }

            await Task.Delay(200);
        }

        await using var check = new NpgsqlCommand("SELECT count(*), string_agg(status, ','), (SELECT count(*) FROM clips) FROM purge_runs", connection);
        await using var result = await check.ExecuteReaderAsync();
        await result.ReadAsync();
        var storage = new S3ClipStorage(ClipStorageSetup.CreateClient(bucket), bucket, Microsoft.Extensions.Logging.Abstractions.NullLogger<S3ClipStorage>.Instance);
        var left = await storage.ListAsync("", CancellationToken.None).LongCountAsync();
        return $"purge (all channels): {watch.Elapsed.TotalSeconds:0.0} s{(killed is null ? "" : $", the instance running it ({killed}) killed mid-purge")}; " +
            $"{result.GetInt64(0)} run(s) ({result.GetString(1)}), {result.GetInt64(2)} clips and {left} objects left";
    }

    /// <summary>The instance (1-based, from the script's PID files) whose Hangfire server processes the job.</summary>
    private static async Task<string?> InstanceRunningAsync(NpgsqlConnection connection, string job, string dir)
    {
        await using var cmd = new NpgsqlCommand(
            "SELECT s.data FROM hangfire.job j JOIN hangfire.state s ON s.id = j.stateid WHERE j.id = @id AND j.statename = 'Processing'", connection);
        cmd.Parameters.AddWithValue("id", long.Parse(job, CultureInfo.InvariantCulture));
        if (await cmd.ExecuteScalarAsync() is not string data)
        {
            return null;
        }

        // Hangfire's server id is "host:name:pid:guid" (or "host:pid:guid" for an unnamed server).
        var parts = (JsonDocument.Parse(data).RootElement.GetProperty("ServerId").GetString() ?? "").Split(':');
        return Directory.EnumerateFiles(dir, "app-*.pid").FirstOrDefault(f => parts.Contains(File.ReadAllText(f).Trim())) is { } file
            ? Path.GetFileNameWithoutExtension(file)["app-".Length..]
            : null;
    }

    private static async Task ScriptAsync(string script, Dictionary<string, string> env, params string[] args) =>
        Console.Write(await ChildProcess.RunProgramAsync("bash", [script, .. args], env));
}

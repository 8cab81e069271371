using System.Security.Cryptography;
using System.Text;
using ClipSaver.Core.Purging;
using NpgsqlTypes;

namespace ClipSaver.Bench;

/// <summary>
/// The crash-recovery proof (docs/reliability.md): the app's release build runs in Production against the emulator,
/// and each round kills it with SIGKILL at a random moment of a purge of a large channel or of a running scan (or, in
/// some purge rounds, kills PostgreSQL instead), starts it again, and checks that the run is going again within
/// 60 seconds and ends exactly as an uncrashed run: the scope empty, the report's counts equal to what was there,
/// every other row and file byte-identical, no temporary or orphan files. Prints one line a round and a summary.
/// </summary>
public static class KillLoop
{
    private static readonly TimeSpan RecoveryGoal = TimeSpan.FromSeconds(60);

    public static async Task<int> RunAsync(string[] args)
    {
        var purgeRounds = Bench.IntArg(args, "--purge-rounds", 20);
        var scanRounds = Bench.IntArg(args, "--scan-rounds", 10);
        var clips = Bench.IntArg(args, "--clips", 200000);
        var databaseKillEvery = Bench.IntArg(args, "--database-kill-every", 5);
        var seed = Bench.IntArg(args, "--seed", 1);
        var app = Bench.FindBuild("ClipSaver.Web", "ClipSaver.Web.dll");
        Console.WriteLine($"{Environment.ProcessorCount} cores; app {app}");
        Console.WriteLine($"{purgeRounds} purge rounds of {clips:N0} clips (every {databaseKillEvery}th kills PostgreSQL instead of the app), {scanRounds} scan rounds; seed {seed}");

        await using var loop = await Setup.StartAsync(app, scanRounds + 1);
        var random = new Random(seed);
        var results = new List<Round>();
        try
        {
            // Scans first (each round is short), then one uncrashed purge (how long a purge takes here, so that kills
            // fall all over it), then the purge rounds.
            for (var i = 1; i <= scanRounds; i++)
            {
                results.Add(Print(i, await loop.ScanRoundAsync(i, random)));
            }

            var calibration = await loop.PurgeRoundAsync(clips, random, kill: Kill.None);
            Console.WriteLine($"uncrashed purge of {clips:N0} clips: {calibration.Completed!.Value.TotalSeconds:0.0} s after its start time");
            loop.PurgeDuration = calibration.Completed!.Value;
            for (var i = 1; i <= purgeRounds; i++)
            {
                var kill = databaseKillEvery > 0 && i % databaseKillEvery == 0 ? Kill.Database : Kill.App;
                results.Add(Print(scanRounds + i, await loop.PurgeRoundAsync(clips, random, kill)));
            }
        }
        catch
        {
            Console.Error.WriteLine($"Logs are kept in {loop.Root}.");
            loop.KeepFiles = true;
            throw;
        }

        Summarise(results);
        return results.All(r => r.Ok) ? 0 : 1;
    }

    private enum Kill
    {
        None,
        App,
        Database,
    }

    /// <summary>One round: what was killed, in which state, how long until the run was going again and until it ended, and the checks.</summary>
    private sealed record Round(string Kind, Kill Killed, string StateAtKill, double KillAfterSeconds, TimeSpan? Resumed, TimeSpan? Completed, List<string> Failures)
    {
        public bool Ok => Failures.Count == 0 && Resumed <= RecoveryGoal;
    }

    private static Round Print(int number, Round r)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{number,3} {r.Kind,-5} kill {r.Killed,-8} at {r.KillAfterSeconds,5:0.0} s ({r.StateAtKill,-26}) going again after {Seconds(r.Resumed),6} s, done after {Seconds(r.Completed),6} s  {(r.Ok ? "ok" : "FAILED: " + string.Join("; ", r.Failures))}"));
        return r;

        static string Seconds(TimeSpan? t) => t is { } v ? v.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) : "-";
    }

    private static void Summarise(List<Round> rounds)
    {
        Console.WriteLine();
        foreach (var group in rounds.GroupBy(r => (r.Kind, r.Killed)))
        {
            var resumed = group.Select(r => r.Resumed?.TotalSeconds ?? double.NaN).Order().ToList();
            var completed = group.Select(r => r.Completed?.TotalSeconds ?? double.NaN).Order().ToList();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{group.Key.Kind} rounds, {group.Key.Killed} killed: {group.Count()}, passed {group.Count(r => r.Ok)}; going again after median {resumed[resumed.Count / 2]:0.0} s, max {resumed.Max():0.0} s; done after median {completed[completed.Count / 2]:0.0} s, max {completed.Max():0.0} s"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{rounds.Count(r => r.Ok)} passed, {rounds.Count(r => !r.Ok)} failed"));
    }

    /// <summary>The database, the emulator, the app and the state shared by the rounds.</summary>
    private sealed class Setup : IAsyncDisposable
    {
        private readonly string _app;
        private readonly Dictionary<string, string> _environment;
        private readonly HttpClient _control;
        private readonly HttpClient _api;
        private readonly ChildProcess _emulator;
        private readonly LocalPostgresCluster _cluster;
        private readonly string _dataDirectory;
        private readonly List<LocalPostgresCluster> _restarted = [];
        private ChildProcess? _server;
        private int _starts;
        private int _seeds;

        private Setup(string root, string app, LocalPostgresCluster cluster, string dataDirectory, string cs, ChildProcess emulator, HttpClient control, Dictionary<string, string> environment, HttpClient api)
        {
            (Root, _app, _cluster, _dataDirectory, ConnectionString, _emulator, _control, _environment, _api) = (root, app, cluster, dataDirectory, cs, emulator, control, environment, api);
            Clips = Path.Combine(root, "clips");
        }

        public string Root { get; }

        public string Clips { get; }

        public string ConnectionString { get; }

        public bool KeepFiles { get; set; }

        public TimeSpan PurgeDuration { get; set; } = TimeSpan.FromSeconds(10);

        private long GuildId { get; set; }

        private long PurgeChannel { get; set; }

        private string PurgeChannelName { get; set; } = "";

        private List<long> ScanChannels { get; set; } = [];

        public static async Task<Setup> StartAsync(string app, int channels)
        {
            var root = Path.Combine(Path.GetTempPath(), $"clipsaver-killloop-{Environment.ProcessId}");
            Directory.CreateDirectory(root);
            var data = Path.Combine(root, "data");
            var cluster = LocalPostgresCluster.Start(data);
            cluster.CreateDatabaseIfMissing("clipsaver");
            var cs = cluster.ConnectionString("clipsaver");
            var emulatorPort = Bench.FreePort();
            var emulatorBase = $"http://127.0.0.1:{emulatorPort}/";
            var emulator = ChildProcess.Start(Path.Combine(Path.GetDirectoryName(app)!, "ClipSaver.DiscordEmulator.dll"),
                [
                    "--Port", $"{emulatorPort}", "--Guilds", "1", "--Channels", $"{channels}", "--Messages", "30000", "--Members", "50",
                    "--VideoShare", "0.1", "--EmbedShare", "0", "--ExtraChannels", "false", "--MinClipBytes", "1000", "--MaxClipBytes", "16000",
                ],
                new Dictionary<string, string>(), Path.Combine(root, "emulator.log"));
            var control = new HttpClient { BaseAddress = new Uri(emulatorBase) };
            await Bench.WaitUntilAsync(async () => (await Bench.TryGetAsync(control, "_emulator/world")) == HttpStatusCode.OK, TimeSpan.FromSeconds(60), "the emulator to start");

            var owner = DemoUsers.Owner.Id.ToString(CultureInfo.InvariantCulture);
            var environment = Bench.AppEnvironment(cs, Bench.FreePort(), emulatorBase, Path.Combine(root, "clips"), owner);
            // A short undo window and no cooldown, so that one channel can be purged round after round; recovery as
            // shipped (recurring dispatcher, start-up pass, 30 s invisibility).
            environment["ClipSaver__Purge__UndoWindow"] = "00:00:02";
            environment["ClipSaver__Purge__Cooldown"] = "00:00:00";
            environment["ClipSaver__Scans__IncrementalIntervalMinutes"] = "1440";
            var token = (await ChildProcess.RunAsync(app, ["tokens", "create", "--user", owner, "--name", "killloop"], environment))
                .Split('\n').Select(l => l.Trim()).First(l => l.StartsWith("cs_", StringComparison.Ordinal));
            var api = new HttpClient { BaseAddress = new Uri(environment["ASPNETCORE_URLS"] + "/"), Timeout = TimeSpan.FromSeconds(30) };
            api.DefaultRequestHeaders.Authorization = new("Bearer", token);

            var setup = new Setup(root, app, cluster, data, cs, emulator, control, environment, api);
            await setup.StartAppAsync();
            (await api.PostAsJsonAsync("api/maintenance/jobs/guild-reconciliation/run", new { })).EnsureSuccessStatusCode();
            await Bench.WaitUntilAsync(async () =>
            {
                await using var connection = new NpgsqlConnection(cs);
                await connection.OpenAsync();
                await using var cmd = new NpgsqlCommand("SELECT count(*) FROM channels WHERE type = 0 AND NOT is_thread", connection);
                return (long)(await cmd.ExecuteScalarAsync())! >= channels;
            }, TimeSpan.FromSeconds(120), "the guild and its channels to be synced");
            await using (var connection = new NpgsqlConnection(cs))
            {
                await connection.OpenAsync();
                await using var cmd = new NpgsqlCommand("SELECT guild_id, id, name FROM channels WHERE type = 0 AND NOT is_thread ORDER BY position, id", connection);
                await using var reader = await cmd.ExecuteReaderAsync();
                var rows = new List<(long Guild, long Id, string Name)>();
                while (await reader.ReadAsync())
                {
                    rows.Add((reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2)));
                }

                (setup.GuildId, setup.PurgeChannel, setup.PurgeChannelName) = rows[0];
                setup.ScanChannels = [.. rows.Skip(1).Select(r => r.Id)];
            }

            await setup.ExecAsync("INSERT INTO users (id, username, created_at) SELECT 800000000000000000 + i, 'seeded' || i, now() FROM generate_series(1, 1000) i ON CONFLICT DO NOTHING");
            return setup;
        }

        /// <summary>Seeds the channel with clips and files, purges it, kills something at a random moment, restarts it, checks.</summary>
        public async Task<Round> PurgeRoundAsync(int clips, Random random, Kill kill)
        {
            await SeedPurgeChannelAsync(clips);
            var others = await SnapshotAsync(except: PurgeChannel);
            using var response = await _api.PostAsJsonAsync($"api/guilds/{GuildId}/channels/{PurgeChannel}/purge", new { confirm = PurgeChannelName });
            response.EnsureSuccessStatusCode();
            var runId = long.Parse((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!, CultureInfo.InvariantCulture);
            var requested = Stopwatch.StartNew();

            // Somewhere in the undo window, the pick-up or the deletes (which come after the 2 s window); a little short
            // of the uncrashed duration, so that few kills land after the end.
            var killAt = TimeSpan.FromSeconds(random.NextDouble() * (2 + (0.9 * PurgeDuration.TotalSeconds)));
            string state = "-";
            Stopwatch since;
            if (kill == Kill.None)
            {
                since = requested;
            }
            else
            {
                await Task.Delay(killAt);
                state = await PurgeStateAsync(runId);
                if (kill == Kill.App)
                {
                    _server!.KillHard();
                    since = Stopwatch.StartNew();
                    await StartAppAsync();
                }
                else
                {
                    KillDatabase();
                    await Task.Delay(TimeSpan.FromSeconds(1));
                    _restarted.Add(LocalPostgresCluster.Start(_dataDirectory)); // started again; the app carries on by itself
                    NpgsqlConnection.ClearAllPools();
                    since = Stopwatch.StartNew();
                }
            }

            var failures = new List<string>();
            var (resumed, completed) = await WaitForPurgeAsync(runId, since, kill == Kill.None ? DateTimeOffset.MinValue : DateTimeOffset.UtcNow - since.Elapsed);
            if (completed is null)
            {
                failures.Add($"purge run {runId} did not complete ({await PurgeStateAsync(runId)})");
            }
            else
            {
                var report = PurgeReport.Parse(await ScalarAsync<string>($"SELECT report::text FROM purge_runs WHERE id = {runId}"));
                if (report.ClipsDeleted != clips || report.FilesDeleted != clips)
                {
                    failures.Add($"report says {report.ClipsDeleted} clips and {report.FilesDeleted} files, {clips} were there");
                }

                if (report.VerificationOk != true)
                {
                    failures.Add("verification not ok");
                }
            }

            var left = await ScalarAsync<long>($"SELECT count(*) FROM clips WHERE channel_id = {PurgeChannel}");
            var files = Directory.Exists(ChannelFolder(PurgeChannel)) ? Directory.EnumerateFiles(ChannelFolder(PurgeChannel), "*", SearchOption.AllDirectories).Count() : 0;
            if (left > 0 || files > 0)
            {
                failures.Add($"{left} clips and {files} files left in the scope");
            }

            if (await SnapshotAsync(except: PurgeChannel) != others)
            {
                failures.Add("rows or files outside the scope changed");
            }

            failures.AddRange(await LeftoversAsync());
            return new Round("purge", kill, state, killAt.TotalSeconds, kill == Kill.None ? TimeSpan.Zero : resumed, completed, failures);
        }

        /// <summary>Switches archiving on for a fresh channel, kills the app while its scan runs, restarts it, checks the archive.</summary>
        public async Task<Round> ScanRoundAsync(int round, Random random)
        {
            var channel = ScanChannels[round - 1];
            var others = await SnapshotAsync(except: channel);
            (await _api.PutAsJsonAsync($"api/guilds/{GuildId}/channels/{channel}/archiving", new { enabled = true })).EnsureSuccessStatusCode();
            await Bench.WaitUntilAsync(
                async () => await ScalarAsync<long>($"SELECT count(*) FROM scan_runs WHERE channel_id = {channel} AND status = 'running' AND messages_read > 0") > 0,
                TimeSpan.FromSeconds(60), "the scan to read its first page");
            var killAfter = TimeSpan.FromSeconds(random.NextDouble() * 4);
            await Task.Delay(killAfter);
            var state = await ScalarAsync<string>(
                $"SELECT coalesce((SELECT status || ', ' || messages_read || ' messages' FROM scan_runs WHERE channel_id = {channel} ORDER BY id DESC LIMIT 1), 'none')");
            _server!.KillHard();
            var since = Stopwatch.StartNew();
            var restartedAt = DateTimeOffset.UtcNow;
            await StartAppAsync();

            var failures = new List<string>();
            TimeSpan? resumed = null, completed = null;
            while (since.Elapsed < TimeSpan.FromMinutes(5) && completed is null)
            {
                var (status, heartbeat) = await ScanStateAsync(channel);
                if (resumed is null && (status == "completed" || (status == "running" && heartbeat > restartedAt)))
                {
                    resumed = since.Elapsed;
                }

                if (status == "completed")
                {
                    completed = since.Elapsed;
                }
                else if (status is "failed" or "cancelled")
                {
                    failures.Add($"the scan ended {status}");
                    break;
                }

                await Task.Delay(200);
            }

            var expected = await ExpectedClipsAsync(channel);
            var stored = await ScalarAsync<long>($"SELECT count(*) FROM clips WHERE channel_id = {channel} AND storage_key IS NOT NULL AND skip_reason IS NULL");
            var rows = await ScalarAsync<long>($"SELECT count(*) FROM clips WHERE channel_id = {channel}");
            if (stored != expected || rows != expected)
            {
                failures.Add($"{rows} clip rows, {stored} with files; the channel has {expected} videos");
            }

            if (await SnapshotAsync(except: channel) != others)
            {
                failures.Add("rows or files of other channels changed");
            }

            failures.AddRange(await LeftoversAsync());
            return new Round("scan", Kill.App, state, killAfter.TotalSeconds, resumed, completed, failures);
        }

        private async Task SeedPurgeChannelAsync(int clips)
        {
            var salt = ++_seeds * 1_000_000L;
            await ExecAsync($"""
                INSERT INTO clips (guild_id, channel_id, message_id, source, attachment_id, author_id, file_name, content_type, size_bytes, discord_clip_flag,
                    posted_at, archived_at, storage_key, sha256)
                SELECT {GuildId}, {PurgeChannel}, 600000000000000000 + {salt} + i, 'attachment', 500000000000000000 + {salt} + i,
                    800000000000000001 + (i % 1000), 'clip' || i || '.mp4', 'video/mp4', 16, false, now() - (i || ' seconds')::interval, now(),
                    {GuildId} || '/' || {PurgeChannel} || '/' || (500000000000000000 + {salt} + i) || '.mp4', repeat('a', 64)
                FROM generate_series(1, {clips}) i;
                UPDATE channels SET clip_count = {clips}, clip_bytes = {clips}::bigint * 16 WHERE id = {PurgeChannel};
                ANALYZE clips;
                """);
            var folder = ChannelFolder(PurgeChannel);
            Directory.CreateDirectory(folder);
            var content = new byte[16];
            await Parallel.ForAsync(1, clips + 1, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
                await File.WriteAllBytesAsync(Path.Combine(folder, $"{500_000_000_000_000_000 + salt + i}.mp4"), content, ct));
        }

        private string ChannelFolder(long channel) => Path.Combine(Clips, GuildId.ToString(CultureInfo.InvariantCulture), channel.ToString(CultureInfo.InvariantCulture));

        /// <summary>Waits until the run shows life after the restart (a heartbeat written after it) and until it completes.</summary>
        private async Task<(TimeSpan? Resumed, TimeSpan? Completed)> WaitForPurgeAsync(long runId, Stopwatch since, DateTimeOffset restartedAt)
        {
            TimeSpan? resumed = null;
            while (since.Elapsed < TimeSpan.FromMinutes(5))
            {
                try
                {
                    await using var connection = new NpgsqlConnection(ConnectionString);
                    await connection.OpenAsync();
                    await using var cmd = new NpgsqlCommand($"SELECT status, heartbeat_at FROM purge_runs WHERE id = {runId}", connection);
                    await using var reader = await cmd.ExecuteReaderAsync();
                    await reader.ReadAsync();
                    var status = reader.GetString(0);
                    var heartbeat = reader.IsDBNull(1) ? (DateTimeOffset?)null : reader.GetFieldValue<DateTimeOffset>(1);
                    if (resumed is null && (status == "completed" || (status == "running" && heartbeat > restartedAt)))
                    {
                        resumed = since.Elapsed;
                    }

                    if (status == "completed")
                    {
                        return (resumed, since.Elapsed);
                    }
                }
                catch (NpgsqlException)
                {
                    // The database is coming back.
                }

                await Task.Delay(200);
            }

            return (resumed, null);
        }

        private async Task<string> PurgeStateAsync(long runId) =>
            $"{await ScalarAsync<string>($"SELECT status || ' / ' || coalesce(step, '-') FROM purge_runs WHERE id = {runId}")} / {PurgeReport.Parse(await ScalarAsync<string>($"SELECT coalesce(progress::text, '') FROM purge_runs WHERE id = {runId}")).ClipsDeleted}";

        private async Task<(string Status, DateTimeOffset? Heartbeat)> ScanStateAsync(long channel)
        {
            await using var connection = new NpgsqlConnection(ConnectionString);
            await connection.OpenAsync();
            await using var cmd = new NpgsqlCommand($"SELECT status, heartbeat_at FROM scan_runs WHERE channel_id = {channel} ORDER BY id DESC LIMIT 1", connection);
            await using var reader = await cmd.ExecuteReaderAsync();
            return await reader.ReadAsync() ? (reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1)) : ("none", null);
        }

        /// <summary>The channel's video attachments, read from the emulator's control API.</summary>
        private async Task<long> ExpectedClipsAsync(long channel)
        {
            long count = 0;
            string? before = null;
            while (true)
            {
                var page = await _control.GetFromJsonAsync<JsonElement>($"_emulator/channels/{channel}/messages?limit=100{(before is null ? "" : "&before=" + before)}");
                var messages = page.EnumerateArray().ToList();
                foreach (var m in messages)
                {
                    count += m.GetProperty("attachments").EnumerateArray().Count(a => a.GetProperty("content_type").GetString()!.StartsWith("video/", StringComparison.Ordinal));
                }

                if (messages.Count < 100)
                {
                    return count;
                }

                before = messages.Min(m => m.GetProperty("id").GetUInt64()).ToString(CultureInfo.InvariantCulture);
            }
        }

        /// <summary>
        /// Every row outside the channel that matters to the owner, and every file outside its folder with a hash of
        /// its bytes, as one digest.
        /// </summary>
        private async Task<string> SnapshotAsync(long except)
        {
            var rows = await ScalarAsync<string>($"""
                SELECT md5(coalesce((SELECT string_agg(concat_ws('|', id, channel_id, attachment_id, size_bytes, sha256, storage_key, skip_reason), E'\n' ORDER BY id) FROM clips WHERE channel_id <> {except}), '')
                    || coalesce((SELECT string_agg(concat_ws('|', id, name, is_reading, clip_count, clip_bytes), E'\n' ORDER BY id) FROM channels WHERE id <> {except}), ''))
                """);
            var digest = new StringBuilder(rows);
            if (Directory.Exists(Clips))
            {
                var skip = ChannelFolder(except) + Path.DirectorySeparatorChar;
                foreach (var file in Directory.EnumerateFiles(Clips, "*", SearchOption.AllDirectories).Where(f => !f.StartsWith(skip, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
                {
                    await using var stream = File.OpenRead(file);
                    digest.Append('\n').Append(Path.GetRelativePath(Clips, file)).Append('|').Append(Convert.ToHexString(await SHA256.HashDataAsync(stream)));
                }
            }

            return digest.ToString();
        }

        /// <summary>Temporary files, files without a clip row, and clip rows without a file.</summary>
        private async Task<List<string>> LeftoversAsync()
        {
            var failures = new List<string>();
            var temp = Path.Combine(Clips, ".tmp");
            var temporary = Directory.Exists(temp) ? Directory.EnumerateFiles(temp).Count() : 0;
            if (temporary > 0)
            {
                // Downloads that died with the app: the recovery dispatcher deletes them once they are a minute old.
                await Task.Delay(TimeSpan.FromSeconds(75));
                (await _api.PostAsJsonAsync("api/maintenance/jobs/recover-runs/run", new { })).EnsureSuccessStatusCode();
                await Task.Delay(TimeSpan.FromSeconds(5));
                temporary = Directory.EnumerateFiles(temp).Count();
                if (temporary > 0)
                {
                    failures.Add($"{temporary} temporary files left");
                }
            }

            var keys = new HashSet<string>(StringComparer.Ordinal);
            await using (var connection = new NpgsqlConnection(ConnectionString))
            {
                await connection.OpenAsync();
                await using var cmd = new NpgsqlCommand("SELECT storage_key FROM clips WHERE storage_key IS NOT NULL", connection);
                await using var reader = await cmd.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    keys.Add(reader.GetString(0));
                }
            }

            var onDisk = Directory.Exists(Clips)
                ? Directory.EnumerateFiles(Clips, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(Clips, f).Replace('\\', '/')).Where(k => !k.StartsWith(".tmp/", StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal)
                : [];
            var orphans = onDisk.Count(k => !keys.Contains(k));
            var missing = keys.Count(k => !onDisk.Contains(k));
            if (orphans > 0 || missing > 0)
            {
                failures.Add($"{orphans} files without a clip row, {missing} clip rows without a file");
            }

            return failures;
        }

        private async Task StartAppAsync()
        {
            _server?.Dispose();
            _server = ChildProcess.Start(_app, [], _environment, Path.Combine(Root, $"app-{++_starts}.log"));
            await Bench.WaitUntilAsync(
                async () => _server.HasExited ? throw new InvalidOperationException($"The app stopped; see {Root}.") : (await Bench.TryGetAsync(_api, "health/live")) == HttpStatusCode.OK,
                TimeSpan.FromSeconds(120), "the app to start");
        }

        /// <summary>PostgreSQL stopped as a crash would: every server process ends at once, without a checkpoint.</summary>
        private void KillDatabase()
        {
            var pgCtl = Path.Combine(_cluster.BinDirectory, "pg_ctl");
            var info = LocalPostgresCluster.IsRoot()
                ? new ProcessStartInfo("runuser", ["-u", "postgres", "--", pgCtl, "stop", "-D", _dataDirectory, "-m", "immediate"])
                : new ProcessStartInfo(pgCtl, ["stop", "-D", _dataDirectory, "-m", "immediate"]);
            info.RedirectStandardOutput = info.RedirectStandardError = true;
            using var process = Process.Start(info)!;
            process.WaitForExit();
        }

        public async Task ExecAsync(string sql)
        {
            await using var connection = new NpgsqlConnection(ConnectionString);
            await connection.OpenAsync();
            await using var cmd = new NpgsqlCommand(sql, connection) { CommandTimeout = 600 };
            await cmd.ExecuteNonQueryAsync();
        }

        private async Task<T> ScalarAsync<T>(string sql)
        {
            await using var connection = new NpgsqlConnection(ConnectionString);
            await connection.OpenAsync();
            await using var cmd = new NpgsqlCommand(sql, connection) { CommandTimeout = 600 };
            return (T)(await cmd.ExecuteScalarAsync())!;
        }

        public async ValueTask DisposeAsync()
        {
            _server?.Dispose();
            _emulator.Dispose();
            _api.Dispose();
            _control.Dispose();
            NpgsqlConnection.ClearAllPools();
            _cluster.Dispose();
            if (!KeepFiles)
            {
                Directory.Delete(Root, recursive: true);
            }
        }
    }
}

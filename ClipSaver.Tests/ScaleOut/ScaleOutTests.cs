namespace ClipSaver.Tests.ScaleOut;

/// <summary>
/// Three app instances as separate processes (eng/scale-out.sh: PostgreSQL, an S3-protocol server, the emulator with
/// Discord's limits), sharing nothing but the database and the bucket: a session made on one is good on the others,
/// scans spread over them survive a kill -9 of one, and a purge requested on one runs once and empties the bucket, even
/// when the instance running it is killed in the middle.
/// </summary>
[Collection(BrowserTestsRunAlone.Name)]
public sealed class ScaleOutTests : IAsyncLifetime
{
    private static readonly string Owner = DemoUsers.Owner.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"clipsaver-scaleout-{Environment.ProcessId}-{Guid.NewGuid():N}");
    private readonly Dictionary<string, string> _env = new()
    {
        // Below Linux's ephemeral range (32768 and up), where an outgoing connection could already hold the port.
        ["CLIPSAVER_BASE_PORT"] = $"{20000 + (Random.Shared.Next(0, 1200) * 10)}",
        ["ClipSaver__Purge__UndoWindow"] = "00:00:00",
        // Production's session cookie is Secure; these clients speak plain http to the instances, with no TLS proxy.
        ["CLIPSAVER_ENVIRONMENT"] = "Development",
    };

    private Dictionary<string, string> _setup = [];

    public async Task InitializeAsync()
    {
        // The app's own build output (its appsettings.json and wwwroot beside it), of the configuration these tests were built in.
        var tests = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        _env["CLIPSAVER_BUILD"] = Path.Combine(TestS3Server.RepoRoot(), "ClipSaver.Web", "bin", tests.Parent!.Name, tests.Name);
        await ScriptAsync("start", _dir, "3");
        _setup = File.ReadAllLines(Path.Combine(_dir, "scale-out.env")).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
    }

    public async Task DisposeAsync()
    {
        await ScriptAsync("stop", _dir);
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Three_instances_share_the_session_finish_the_scans_and_the_purge_of_killed_ones_and_the_purge_runs_once_and_empties_the_bucket()
    {
        var urls = _setup["APP_URLS"].Split(' ');

        // Signed in on the first instance, signed in on the others (the cookie is the host's, the keys the database's).
        var browser = await RealLogin.SignInAsync(urls[0], DemoUsers.Owner.Id);
        foreach (var url in urls)
        {
            var page = await browser.GetAsync(new Uri(new Uri(url), "/guilds"));
            Assert.True(page.StatusCode == HttpStatusCode.OK, $"{url}guilds answered {(int)page.StatusCode} {page.Headers.Location}");
        }

        var token = (await ScriptAsync("token", _dir, Owner)).Trim();
        var apis = urls.Select(u => new HttpClient { BaseAddress = new Uri(u), DefaultRequestHeaders = { Authorization = new("Bearer", token) } }).ToList();
        (await apis[1].PostAsJsonAsync("api/maintenance/jobs/guild-reconciliation/run", new { })).EnsureSuccessStatusCode();
        var guild = await PollAsync(async () =>
        {
            var guilds = JsonDocument.Parse(await apis[0].GetStringAsync("api/guilds")).RootElement;
            var items = guilds.ValueKind == JsonValueKind.Array ? guilds : guilds.GetProperty("items");
            return items.EnumerateArray().Where(g => g.GetProperty("name").GetString() == "Clip Club").Select(g => g.GetProperty("id").GetString()).FirstOrDefault();
        }, "Clip Club to be synced");
        // The guild list comes from the user's Discord guilds; its channels once the reconciliation job has run (asking
        // before would cache "no rights" for the access cache's minute).
        await PollAsync(async () => await ScalarAsync($"SELECT count(*) FROM channels WHERE guild_id = {guild}") > 0 ? "synced" : null, "Clip Club to be reconciled");
        var textChannels = await PollAsync(async () =>
        {
            var response = await apis[2].GetAsync($"api/guilds/{guild}/channels");
            if (!response.IsSuccessStatusCode)
            {
                return null;
            }

            var channels = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            var ids = (channels.ValueKind == JsonValueKind.Array ? channels : channels.GetProperty("items")).EnumerateArray()
                .Where(c => c.GetProperty("type").GetInt32() == 0 && !(c.TryGetProperty("nsfw", out var n) && n.GetBoolean())).Select(c => c.GetProperty("id").GetString()!).ToList();
            return ids.Count > 0 ? ids : null;
        }, "Clip Club's channels to be synced");
        Assert.NotEmpty(textChannels);

        // Scans switched on through every instance in turn; one instance dies while they run.
        for (var i = 0; i < textChannels.Count; i++)
        {
            (await apis[i % 3].PutAsJsonAsync($"api/guilds/{guild}/channels/{textChannels[i]}/archiving", new { enabled = true })).EnsureSuccessStatusCode();
        }

        await PollAsync(async () => await ScalarAsync("SELECT count(*) FROM scan_runs WHERE status = 'running'") > 0 ? "running" : null, "a scan to run");
        await ScriptAsync("kill", _dir, "3");
        // Alone this takes under a minute; a full test run on two busy cores has taken past four.
        await PollAsync(
            async () => await ScalarAsync("SELECT count(*) FROM scan_runs WHERE status <> 'completed'") == 0 ? "done" : null, "every scan to complete", TimeSpan.FromMinutes(6),
            UnfinishedScansAsync);

        Assert.Equal(0, await ScalarAsync("SELECT count(*) FROM scan_runs WHERE status = 'failed'"));
        // Nothing archived twice: one row per attachment, one per embedded link of a message.
        Assert.Equal(0, await ScalarAsync("SELECT count(attachment_id) - count(DISTINCT attachment_id) FROM clips"));
        Assert.Equal(0, await ScalarAsync("SELECT count(*) - count(DISTINCT (message_id, coalesce(attachment_id::text, embed_url))) FROM clips"));
        var stored = await ScalarAsync("SELECT count(*) FROM clips WHERE storage_key IS NOT NULL");
        Assert.True(stored > 0);
        var bucket = TestS3Server.CreateStorage(new S3StorageOptions { ServiceUrl = _setup["S3_URL"], Bucket = "clips", AccessKey = "S3RVER", SecretKey = "S3RVER" });
        // Clips' files; the posters the instances' thumbnail job made beside them are checked apart.
        var objects = await bucket.ListAsync($"{guild}/", CancellationToken.None).Select(o => o.Key).ToListAsync();
        var listed = objects.Where(k => !ClipStorageKeys.IsThumbnail(k)).ToHashSet();
        var clipKeys = await KeysAsync();
        Assert.All(objects.Where(ClipStorageKeys.IsThumbnail), poster => Assert.Contains(ClipStorageKeys.ClipOfThumbnail(poster)!, clipKeys));
        var missing = clipKeys.Where(k => !listed.Contains(k)).ToList();
        var missingButThere = 0;
        foreach (var key in missing)
        {
            missingButThere += await bucket.GetInfoAsync(key, CancellationToken.None) is null ? 0 : 1;
        }

        Assert.True(missing.Count == 0, $"{missing.Count} of {stored} stored clips have no object in the listing ({missingButThere} of them are there when asked by key): {string.Join(", ", missing.Take(5))}");
        Assert.Equal(stored, listed.Count);

        // A purge requested on one of the two left runs once, and its files leave the bucket, although the instance
        // that runs it is killed in the middle: a row lock held here stops the purge inside its deletes, so that the
        // kill lands while it is running; the last instance then recovers the run and finishes it.
        await using var blocker = new NpgsqlConnection(_setup["DATABASE"] + ";Pooling=false");
        await blocker.OpenAsync();
        await using var hold = await blocker.BeginTransactionAsync();
        await using (var lockRow = new NpgsqlCommand("SELECT id FROM clips ORDER BY id LIMIT 1 FOR UPDATE", blocker, hold))
        {
            await lockRow.ExecuteScalarAsync();
        }

        var purge = await apis[1].PostAsJsonAsync($"api/guilds/{guild}/channels/purge", new { confirm = "DELETE ALL CHANNELS" });
        Assert.Equal(HttpStatusCode.Accepted, purge.StatusCode);
        // Blocked by this transaction (not any other wait), while the purge's job is being processed.
        var blockedByHold = string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"SELECT count(*) FROM pg_stat_activity a WHERE {blocker.ProcessID} = ANY(pg_blocking_pids(a.pid)) AND EXISTS (SELECT 1 FROM purge_runs r JOIN hangfire.job j ON j.id = r.hangfire_job_id::bigint WHERE j.statename = 'Processing')");
        await PollAsync(async () => await ScalarAsync(blockedByHold) > 0 ? "blocked" : null, "the purge to reach the held row", TimeSpan.FromMinutes(3));
        var runner = await PurgeInstanceAsync();
        Assert.NotEqual("3", runner);
        await ScriptAsync("kill", _dir, runner);
        await hold.RollbackAsync();
        await PollAsync(async () => await ScalarAsync("SELECT count(*) FROM purge_runs WHERE status IN ('completed', 'failed')") > 0 ? "done" : null, "the purge to finish on the last instance", TimeSpan.FromMinutes(3));

        Assert.Equal(1, await ScalarAsync("SELECT count(*) FROM purge_runs"));
        Assert.Equal(1, await ScalarAsync("SELECT count(*) FROM purge_runs WHERE status = 'completed'"));
        Assert.Equal(0, await ScalarAsync("SELECT count(*) FROM clips"));
        Assert.Empty(await bucket.ListAsync($"{guild}/", CancellationToken.None).ToListAsync());
    }

    /// <summary>The instance (its number in eng/scale-out.sh) whose Hangfire server is processing the purge's job.</summary>
    private async Task<string> PurgeInstanceAsync()
    {
        await using var connection = new NpgsqlConnection(_setup["DATABASE"] + ";Pooling=false");
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            "SELECT s.data::json ->> 'ServerId' FROM purge_runs r JOIN hangfire.job j ON j.id = r.hangfire_job_id::bigint " +
            "JOIN hangfire.state s ON s.id = j.stateid WHERE j.statename = 'Processing'", connection);
        var server = (string)(await cmd.ExecuteScalarAsync())!;
        // A Hangfire server's id holds its process id ("host:name:pid:guid").
        var pids = server.Split(':').ToHashSet();
        return Enumerable.Range(1, 3).Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Single(n => pids.Contains(File.ReadAllText(Path.Combine(_dir, $"app-{n}.pid")).Trim()));
    }

    private async Task<List<string>> KeysAsync()
    {
        await using var connection = new NpgsqlConnection(_setup["DATABASE"] + ";Pooling=false");
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT storage_key FROM clips WHERE storage_key IS NOT NULL", connection);
        await using var reader = await cmd.ExecuteReaderAsync();
        var keys = new List<string>();
        while (await reader.ReadAsync())
        {
            keys.Add(reader.GetString(0));
        }

        return keys;
    }

    /// <summary>The scans not completed, and the end of each instance's log (the folder goes with the test).</summary>
    private async Task<string> UnfinishedScansAsync()
    {
        var scans = await TextAsync("SELECT string_agg(format('scan %s of channel %s: %s, job %s, heartbeat %s', id, channel_id, status, hangfire_job_id, heartbeat_at), E'\\n' ORDER BY id) FROM scan_runs WHERE status <> 'completed'");
        var logs = Directory.GetFiles(_dir, "app-*.log").Order(StringComparer.Ordinal)
            .Select(f => $"--- the last lines of {Path.GetFileName(f)}:\n" + string.Join('\n', File.ReadLines(f).TakeLast(20)));
        return scans + "\n" + string.Join('\n', logs);
    }

    private async Task<long> ScalarAsync(string sql) => (long)(await QueryAsync(sql))!;

    private async Task<string> TextAsync(string sql) => (await QueryAsync(sql)) as string ?? "";

    private async Task<object?> QueryAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_setup["DATABASE"] + ";Pooling=false");
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        return await cmd.ExecuteScalarAsync();
    }

    /// <summary>Polls until <paramref name="probe"/> gives a value; on timeout, fails with what <paramref name="state"/> tells of where things stand.</summary>
    private static async Task<T> PollAsync<T>(Func<Task<T?>> probe, string what, TimeSpan? timeout = null, Func<Task<string>>? state = null)
        where T : class
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromMinutes(1));
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            if (DateTime.UtcNow >= deadline)
            {
                Assert.Fail($"Timed out waiting for {what}." + (state is null ? "" : "\n" + await state()));
            }

            await Task.Delay(250);
        }
    }

    private async Task<string> ScriptAsync(params string[] args)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(TestS3Server.RepoRoot(), "eng", "scale-out.sh"));
        args.ToList().ForEach(info.ArgumentList.Add);
        foreach (var (key, value) in _env)
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"scale-out.sh {string.Join(' ', args)}: {await error}");
        return await output;
    }
}

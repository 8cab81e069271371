namespace ClipSaver.Tests.Gateway;

/// <summary>
/// Shards across instances: each instance its own app host on one database and one emulator. Each shard is
/// connected by exactly one instance; the emulator's count of simultaneous sessions per shard must never exceed one.
/// </summary>
public sealed class GatewayLeaseTests : GatewayAppTestBase
{
    private readonly List<ClipSaverAppFactory> _others = [];
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _output = new();

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings) { ["ClipSaver:Gateway:ShardCount"] = "3" };

    /// <summary>Discord's own identify rule: one per 5 seconds (max_concurrency 1), refused with op 9 when broken.</summary>
    protected override void ConfigureEmulator(EmulatorOptions options)
    {
        base.ConfigureEmulator(options);
        options.Gateway.MaxConcurrency = 1;
        options.Gateway.IdentifySpacing = TimeSpan.FromSeconds(5);
    }

    private ClipSaverAppFactory StartInstance()
    {
        var settings = TestDiscord.Settings(Discord);
        foreach (var (key, value) in Settings)
        {
            settings[key] = value;
        }

        var app = new ClipSaverAppFactory(Db, settings);
        _ = app.Services.GetRequiredService<GatewayService>();
        _others.Add(app);
        return app;
    }

    private static int Held(ClipSaverAppFactory app) => app.Services.GetRequiredService<GatewayService>().LocalShards.Count(s => s.State == "connected");

    private Task AllConnectedAsync() => EventuallyAsync(async db =>
        await db.GatewayShards.CountAsync(s => s.State == "connected" && s.UpdatedAt > DateTimeOffset.UtcNow.AddSeconds(-5)) == 3
        && Enumerable.Range(0, 3).All(i => Discord.Gateway.LiveSessions(i) == 1), "three connected shards", 40);

    [Fact]
    public async Task Shards_spread_over_two_and_then_three_instances_and_a_stopped_holders_shards_are_taken_over()
    {
        await StartAsync();
        await EventuallyAsync(() => Held(App) == 3, "the first instance holding all three shards", 60);
        var second = StartInstance();
        await EventuallyAsync(() => Held(App) == 2 && Held(second) == 1, "two instances sharing the shards", 60);
        var third = StartInstance();
        await EventuallyAsync(() => Held(App) == 1 && Held(second) == 1 && Held(third) == 1, "one shard each", 60);
        await AllConnectedAsync();

        var stopped = Stopwatch.StartNew();
        await third.DisposeAsync();
        _others.Remove(third);
        await EventuallyAsync(() => Held(App) + Held(second) == 3, "the survivors holding all three", 30);
        Assert.True(stopped.Elapsed < TimeSpan.FromSeconds(30));
        await AllConnectedAsync();
        for (var shard = 0; shard < 3; shard++)
        {
            Assert.Equal(1, Discord.Gateway.MaxLiveSessions(shard));
        }

        Assert.Equal(0, Discord.Gateway.IdentifiesTooSoon);
    }

    /// <summary>
    /// Discord spaces identifies from when it handled them. The first identify is handled 3 seconds late: counted from
    /// when it was sent, the next one (5.25 s later) would reach Discord 2.25 s after it and be refused.
    /// </summary>
    [Fact]
    public async Task An_identify_handled_late_still_keeps_the_next_one_five_seconds_after_it()
    {
        Discord.Gateway.DelayNextIdentify = TimeSpan.FromSeconds(3);
        await StartAsync();
        await AllConnectedAsync();
        Assert.Equal(3, Discord.Gateway.Identifies);
        Assert.Equal(0, Discord.Gateway.IdentifiesTooSoon);
    }

    [Fact]
    public async Task A_killed_holder_process_loses_its_shards_to_a_survivor_within_30_seconds()
    {
        using var other = StartProcess();
        try
        {
            try
            {
                await EventuallyAsync(async db => await db.GatewayShards.CountAsync(s => s.State == "connected" && s.InstanceId!.Contains($"/{other.Id}/")) == 3,
                    "the separate process holding all three shards", 90);
            }
            catch (Xunit.Sdk.XunitException e)
            {
                throw new Xunit.Sdk.XunitException($"{e.Message}{Environment.NewLine}{string.Join(Environment.NewLine, _output.TakeLast(40))}");
            }
            await StartAsync();
            // The survivor has joined; with two instances the separate one gives a shard back on its next check (its
            // fair share is two), so it holds two or three when it is killed, whichever came first.
            await Task.Delay(1500);
            await using (var db = Db.CreateContext())
            {
                var heldByOther = await db.GatewayShards.CountAsync(s => s.State == "connected" && s.InstanceId!.Contains($"/{other.Id}/"));
                Assert.InRange(heldByOther, 2, 3);
            }

            var killed = Stopwatch.StartNew();
            other.Kill();
            await EventuallyAsync(() => Held(App) == 3, "the survivor holding all three shards", 30);
            Assert.True(killed.Elapsed < TimeSpan.FromSeconds(30), $"took {killed.Elapsed}");
            await AllConnectedAsync();
            for (var shard = 0; shard < 3; shard++)
            {
                Assert.Equal(1, Discord.Gateway.MaxLiveSessions(shard));
            }

            Assert.Equal(0, Discord.Gateway.IdentifiesTooSoon);
        }
        finally
        {
            if (!other.HasExited)
            {
                other.Kill();
            }
        }
    }

    /// <summary>The web app as its own process (the build next to the tests'), on this test's database and emulator.</summary>
    private Process StartProcess()
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "ClipSaver.sln")))
        {
            root = root.Parent!;
        }

        var dll = Path.Combine(root.FullName, "ClipSaver.Web", "bin", configuration, "net10.0", "ClipSaver.Web.dll");
        var start = new ProcessStartInfo("dotnet", [dll]) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(dll)! };
        var settings = TestDiscord.Settings(Discord);
        foreach (var (key, value) in Settings)
        {
            settings[key] = value;
        }

        settings["ConnectionStrings:ClipSaver"] = Db.ConnectionString;
        settings["ClipSaver:Database:MigrateOnStartup"] = "false";
        settings["ClipSaver:Jobs:ServerEnabled"] = "false";
        settings["ClipSaver:Jobs:RecurringEnabled"] = "false";
        settings["ClipSaver:Demo:Enabled"] = "false";
        settings["ClipSaver:Storage:Root"] = Path.Combine(Path.GetTempPath(), "clipsaver-test-clips", Db.Name + "-process");
        settings["Urls"] = "http://127.0.0.1:0";
        settings["Logging:LogLevel:Default"] = "Warning";
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => _output.Enqueue(e.Data ?? "");
        process.ErrorDataReceived += (_, e) => _output.Enqueue(e.Data ?? "");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    public override async Task DisposeAsync()
    {
        foreach (var app in _others)
        {
            await app.DisposeAsync();
        }

        await base.DisposeAsync();
    }
}

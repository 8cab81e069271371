using Microsoft.Extensions.Configuration;

namespace ClipSaver.Tests.Discord;

/// <summary>
/// Instances on one database share the bot token's global limit through their advisory locks (decision 022): each
/// takes limit / live instances, a newcomer waits until the others have counted it, a dead one gives its share back.
/// </summary>
public sealed class SharedDiscordBudgetTests : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _owned = [];
    private TestDb _db = null!;

    public async Task InitializeAsync() => _db = await TestDatabase.CreateAsync();

    public async Task DisposeAsync()
    {
        foreach (var item in Enumerable.Reverse(_owned))
        {
            await item.DisposeAsync();
        }

        await _db.DisposeAsync();
    }

    private SharedDiscordBudget Budget(TestDb? db = null)
    {
        var budget = new SharedDiscordBudget(new ClipSaverConnection((db ?? _db).ConnectionString), TimeProvider.System, NullLogger<SharedDiscordBudget>.Instance);
        _owned.Add(budget);
        return budget;
    }

    private static async Task<int> WaitForShareAsync(SharedDiscordBudget budget, int expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        int share;
        while ((share = budget.ShareOf(50)) != expected && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        return share;
    }

    /// <summary>Clients as in separate instances: each with its own rate-limit state and budget, on one database.</summary>
    private List<DiscordRestClient> Clients(int count, Dictionary<string, string?> settings) =>
        Enumerable.Range(0, count).Select(_ =>
        {
            var services = new ServiceCollection()
                .AddLogging()
                .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
                .AddSingleton(new ClipSaverConnection(_db.ConnectionString))
                .AddSingleton<SharedDiscordBudget>()
                .AddSingleton<IDiscordRateBudget>(sp => sp.GetRequiredService<SharedDiscordBudget>())
                .AddDiscordClients()
                .BuildServiceProvider();
            _owned.Add(services);
            return services.GetRequiredService<DiscordRestClient>();
        }).ToList();

    [Fact]
    public async Task Live_instances_split_the_limit_a_newcomer_waits_its_turn_and_a_gone_one_gives_its_share_back()
    {
        var first = Budget();
        Assert.Equal(50, await WaitForShareAsync(first, 50)); // alone: no wait beyond taking its lock

        var second = Budget();
        Assert.Equal(0, second.ShareOf(50));
        var joinedAt = DateTime.UtcNow;
        Assert.Equal(25, await WaitForShareAsync(second, 25));
        Assert.True(DateTime.UtcNow - joinedAt >= SharedDiscordBudget.JoinDelay - TimeSpan.FromMilliseconds(200), "the newcomer sent before the others could count it");
        Assert.Equal(25, await WaitForShareAsync(first, 25));

        // Another database is another installation: not counted.
        await using var otherDb = await TestDatabase.CreateAsync();
        var elsewhere = Budget(otherDb);
        Assert.Equal(50, await WaitForShareAsync(elsewhere, 50));
        await elsewhere.DisposeAsync();

        await second.DisposeAsync(); // its lock goes with its connection, as with kill -9
        Assert.Equal(50, await WaitForShareAsync(first, 50));
    }

    [Fact]
    public async Task Three_clients_on_one_token_together_stay_under_the_global_limit_with_no_429()
    {
        const int limit = 30;
        var options = new EmulatorOptions { World = new WorldShape { Guilds = 1, TextChannelsPerGuild = 30, MessagesPerChannel = 5 } };
        options.RateLimits.GlobalPerSecond = limit;
        options.RateLimits.Buckets["messages"] = new BucketLimit(50, TimeSpan.FromSeconds(1));
        var emulator = await EmulatorHost.StartAsync(options);
        _owned.Add(emulator);
        var settings = TestDiscord.Settings(emulator, options);
        settings["Discord:GlobalRequestsPerSecond"] = $"{limit}";
        var channels = emulator.World.Guilds.SelectMany(g => emulator.World.Channels(g.Id)).Where(c => c.Type == 0).Select(c => new Snowflake(c.Id)).ToList();

        var clients = Clients(3, settings);

        var watch = System.Diagnostics.Stopwatch.StartNew();
        await Task.WhenAll(clients.Select(async (client, n) =>
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, 90), new ParallelOptions { MaxDegreeOfParallelism = 40 }, async (i, ct) =>
                await client.GetMessagesAsync(channels[(i + (n * 7)) % channels.Count], null, null, 5, ct));
        }));

        var stats = emulator.Stats.For(options.BotToken);
        Assert.Equal((0L, 0L), (stats.RateLimitedGlobal, stats.RateLimitedUser));
        Assert.True(stats.Requests >= 270);
        // 270 requests at most 30 a second take at least 9 seconds (less one second's worth at the start).
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds((270.0 / limit) - 1), $"270 requests in {watch.Elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public async Task Three_clients_reading_one_token_wide_route_at_once_get_no_429_from_racing_on_its_bucket()
    {
        var options = new EmulatorOptions { World = WorldShape.Small };
        options.RateLimits.Buckets["application"] = new BucketLimit(4, TimeSpan.FromMilliseconds(500));
        var emulator = await EmulatorHost.StartAsync(options);
        _owned.Add(emulator);
        var clients = Clients(3, TestDiscord.Settings(emulator, options));
        await Task.WhenAll(clients.Select(c => c.GetCurrentApplicationAsync(CancellationToken.None)));
        await Task.Delay(SharedDiscordBudget.JoinDelay + TimeSpan.FromSeconds(1)); // all three counted by each other

        await Task.WhenAll(clients.SelectMany(c => Enumerable.Range(0, 12).Select(_ => c.GetCurrentApplicationAsync(CancellationToken.None))));

        var stats = emulator.Stats.For(options.BotToken);
        Assert.Equal((0L, 0L), (stats.RateLimitedUser, stats.RateLimitedGlobal));
        Assert.True(stats.Requests >= 39);
    }
}

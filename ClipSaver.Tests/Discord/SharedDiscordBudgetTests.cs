using Microsoft.Extensions.Configuration;

namespace ClipSaver.Tests.Discord;

/// <summary>
/// Instances on one database share the bot token's global limit through their rows and advisory locks (decisions 022
/// and 032): each gets what it needs, the hungry ones share the rest evenly, a cap is raised only into what the
/// others leave free and lowered in the table only once the slots held under it fit, a gone one gives its share back.
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

    /// <summary>
    /// Keeps the budgets asking (hungry ones refused, others using <c>wanted</c> slots) until <paramref name="done"/>,
    /// checking at every step that their shares and the caps in the table never add up to more than the limit.
    /// </summary>
    private async Task<bool> DriveAsync(IReadOnlyList<(SharedDiscordBudget Budget, int? Uses)> budgets, Func<bool> done, int limit = 50)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            var shares = budgets.Select(b => b.Budget.ShareOf(limit)).ToList();
            Assert.True(shares.Sum() <= limit, $"shares {string.Join(" + ", shares)} > {limit}");
            foreach (var (budget, uses) in budgets)
            {
                budget.Note(uses ?? budget.ShareOf(limit) + 1, refused: uses is null);
            }

            await using var conn = new NpgsqlConnection(_db.ConnectionString);
            await conn.OpenAsync();
            await using var sum = new NpgsqlCommand("SELECT coalesce(sum(cap), 0)::int FROM discord_budget_shares", conn);
            var caps = (int)(await sum.ExecuteScalarAsync())!;
            Assert.True(caps <= limit, $"caps in the table add up to {caps} > {limit}");
            if (done())
            {
                return true;
            }

            await Task.Delay(20);
        }

        return false;
    }

    [Theory]
    [InlineData(50, 0, new[] { 50, 50, 50 }, new[] { 17, 17, 16 })]
    [InlineData(50, 0, new[] { 0, 50, 0 }, new[] { 1, 48, 1 })]
    [InlineData(50, 0, new[] { 12, 50, 50 }, new[] { 12, 19, 19 })]
    [InlineData(50, 0, new[] { 12, 5, 20 }, new[] { 12, 5, 20 })]
    [InlineData(50, 20, new[] { 50 }, new[] { 30 })]
    [InlineData(50, 0, new[] { 50 }, new[] { 50 })]
    [InlineData(2, 0, new[] { 5, 5, 5 }, new[] { 1, 1, 0 })]
    public void The_split_gives_each_what_it_wants_and_the_hungry_share_the_rest(int limit, int reserved, int[] wants, int[] expected) =>
        Assert.Equal(expected, SharedDiscordBudget.Split(limit, reserved, wants));

    [Fact]
    public void The_split_never_gives_more_than_the_limit()
    {
        var random = new Random(32);
        for (var n = 0; n < 2_000; n++)
        {
            var limit = random.Next(1, 120);
            var reserved = random.Next(0, limit + 1);
            var wants = Enumerable.Range(0, random.Next(1, 12)).Select(_ => random.Next(0, limit + 1)).ToArray();
            var shares = SharedDiscordBudget.Split(limit, reserved, wants);
            Assert.True(shares.Sum() <= Math.Max(limit - reserved, 0) || shares.Sum() <= wants.Length && limit - reserved >= wants.Length,
                $"limit {limit} less {reserved}, wants [{string.Join(", ", wants)}]: shares [{string.Join(", ", shares)}]");
            Assert.All(shares, s => Assert.True(s >= 0));
        }
    }

    [Fact]
    public async Task A_newcomer_gets_its_part_only_once_the_others_have_given_it_up_and_a_gone_one_gives_its_share_back()
    {
        var first = Budget();
        var firstHeld = 0;
        first.Track(() => Volatile.Read(ref firstHeld));
        Assert.True(await DriveAsync([(first, null)], () => first.ShareOf(50) == 50), "alone and hungry, it gets the whole limit");

        // The first holds 50 slots (a second of sending at its old cap): it sends less at once, but its row keeps
        // the old cap until those slots fit under the new one, and the newcomer gets nothing until then.
        Volatile.Write(ref firstHeld, 50);
        var second = Budget();
        Assert.True(await DriveAsync([(first, null), (second, null)], () => first.ShareOf(50) == 25 && second.Instances == 2));
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(3);
        await DriveAsync([(first, null), (second, null)], () => DateTime.UtcNow >= until);
        Assert.Equal(0, second.ShareOf(50));

        Volatile.Write(ref firstHeld, 10);
        Assert.True(await DriveAsync([(first, null), (second, null)], () => second.ShareOf(50) == 25 && first.ShareOf(50) == 25),
            $"shares {first.ShareOf(50)} and {second.ShareOf(50)}");

        // Another database is another installation: not counted.
        await using var otherDb = await TestDatabase.CreateAsync();
        var elsewhere = Budget(otherDb);
        Assert.True(await DriveAsync([(elsewhere, null)], () => elsewhere.ShareOf(50) == 50));
        await elsewhere.DisposeAsync();

        await second.DisposeAsync(); // its lock goes with its connection, as with kill -9
        var goneAt = DateTime.UtcNow;
        Assert.True(await DriveAsync([(first, null)], () => first.ShareOf(50) == 50));
        Assert.True(DateTime.UtcNow - goneAt >= SharedDiscordBudget.GoneGrace - TimeSpan.FromMilliseconds(300), "a gone instance's cap came back before its last slots ran out");
    }

    [Fact]
    public async Task An_instance_that_needs_little_leaves_the_rest_to_the_one_that_needs_more()
    {
        var busy = Budget();
        var quiet = Budget();
        var idle = Budget();
        Assert.True(await DriveAsync([(busy, null), (quiet, 4), (idle, 0)], () => busy.ShareOf(50) >= 40 && busy.Instances == 3),
            $"busy {busy.ShareOf(50)}, quiet {quiet.ShareOf(50)}, idle {idle.ShareOf(50)}");
        Assert.InRange(quiet.ShareOf(50), 1, 8);
        Assert.InRange(idle.ShareOf(50), 1, 2);

        // The quiet one gets busy too: the two hungry ones end up with even parts, never more than the limit together.
        Assert.True(await DriveAsync([(busy, null), (quiet, null), (idle, 0)], () => Math.Abs(busy.ShareOf(50) - quiet.ShareOf(50)) <= 1),
            $"busy {busy.ShareOf(50)}, quiet {quiet.ShareOf(50)}");
        Assert.InRange(busy.ShareOf(50) + quiet.ShareOf(50), 46, 49);
    }

    [Fact]
    public async Task An_instance_of_the_version_before_the_split_keeps_its_even_share_during_a_rolling_upgrade()
    {
        // It holds the budget lock and writes no row: it sends limit / holders.
        await using var older = new NpgsqlConnection(_db.ConnectionString);
        await older.OpenAsync();
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock(@class, 12345)", older))
        {
            take.Parameters.AddWithValue("class", SharedDiscordBudget.ClassId);
            await take.ExecuteNonQueryAsync();
        }

        var budget = Budget();
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(3);
        Assert.True(await DriveAsync([(budget, null)], () => budget.Instances == 2 && DateTime.UtcNow >= until));
        Assert.Equal(25, budget.ShareOf(50));

        await older.CloseAsync(); // upgraded: its share comes back
        Assert.True(await DriveAsync([(budget, null)], () => budget.ShareOf(50) == 50));
    }

    /// <summary>Clients as in separate instances: each with its own rate-limit state and budget, on one database.</summary>
    private List<(DiscordRestClient Client, SharedDiscordBudget Budget)> Clients(int count, Dictionary<string, string?> settings) =>
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
            return (services.GetRequiredService<DiscordRestClient>(), services.GetRequiredService<SharedDiscordBudget>());
        }).ToList();

    /// <summary>An emulator whose global limit is <paramref name="limit"/> (and whose channels allow more), 30 channels, and three clients set to that limit.</summary>
    private async Task<(EmulatorHost Emulator, EmulatorOptions Options, List<Snowflake> Channels, List<(DiscordRestClient Client, SharedDiscordBudget Budget)> Clients)> ThreeClientsAsync(int limit)
    {
        var options = new EmulatorOptions { World = new WorldShape { Guilds = 1, TextChannelsPerGuild = 30, MessagesPerChannel = 5 } };
        options.RateLimits.GlobalPerSecond = limit;
        options.RateLimits.Buckets["messages"] = new BucketLimit(50, TimeSpan.FromSeconds(1));
        var emulator = await EmulatorHost.StartAsync(options);
        _owned.Add(emulator);
        var settings = TestDiscord.Settings(emulator, options);
        settings["Discord:GlobalRequestsPerSecond"] = $"{limit}";
        var channels = emulator.World.Guilds.SelectMany(g => emulator.World.Channels(g.Id)).Where(c => c.Type == 0).Select(c => new Snowflake(c.Id)).ToList();
        return (emulator, options, channels, Clients(3, settings));
    }

    [Fact]
    public async Task Three_clients_on_one_token_together_stay_under_the_global_limit_with_no_429()
    {
        const int limit = 30;
        var (emulator, options, channels, clients) = await ThreeClientsAsync(limit);

        var watch = System.Diagnostics.Stopwatch.StartNew();
        await Task.WhenAll(clients.Select(async (c, n) =>
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, 90), new ParallelOptions { MaxDegreeOfParallelism = 40 }, async (i, ct) =>
                await c.Client.GetMessagesAsync(channels[(i + (n * 7)) % channels.Count], null, null, 5, ct));
        }));

        var stats = emulator.Stats.For(options.BotToken);
        Assert.Equal((0L, 0L), (stats.RateLimitedGlobal, stats.RateLimitedUser));
        Assert.True(stats.Requests >= 270);
        // 270 requests at most 30 a second take at least 9 seconds (less one second's worth at the start).
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds((270.0 / limit) - 1), $"270 requests in {watch.Elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public async Task Work_on_one_of_three_clients_gets_the_idle_ones_share_and_a_second_one_starting_draws_no_429()
    {
        const int limit = 30;
        var (emulator, options, channels, clients) = await ThreeClientsAsync(limit);
        await Task.WhenAll(clients.Select(c => c.Client.GetMessagesAsync(channels[0], null, null, 5, CancellationToken.None)));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (clients.Any(c => c.Budget.Instances != 3) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        var busy = clients[0];
        var highest = 0;
        var sent = 0;
        var second = new TaskCompletionSource();
        var busyWork = Parallel.ForEachAsync(Enumerable.Range(0, 240), new ParallelOptions { MaxDegreeOfParallelism = 40 }, async (i, ct) =>
        {
            await busy.Client.GetMessagesAsync(channels[i % channels.Count], null, null, 5, ct);
            if (Interlocked.Increment(ref sent) == 150)
            {
                second.SetResult();
            }
        });
        var sampling = Task.Run(async () =>
        {
            while (!busyWork.IsCompleted)
            {
                highest = Math.Max(highest, busy.Budget.ShareOf(limit));
                await Task.Delay(20);
            }
        });

        // Half-way through, a second instance gets work of its own: the busy one gives up part of its share first.
        await second.Task;
        await Parallel.ForEachAsync(Enumerable.Range(0, 60), new ParallelOptions { MaxDegreeOfParallelism = 40 }, async (i, ct) =>
            await clients[1].Client.GetMessagesAsync(channels[(i + 11) % channels.Count], null, null, 5, ct));
        await busyWork;
        await sampling;

        var stats = emulator.Stats.For(options.BotToken);
        Assert.Equal((0L, 0L), (stats.RateLimitedGlobal, stats.RateLimitedUser));
        Assert.True(stats.Requests >= 303);
        // An even split would cap it at 10 of the 30; the two idle ones keep one a second each.
        Assert.True(highest >= 25, $"the busy instance's share reached only {highest} of {limit}");
    }

    [Fact]
    public async Task Three_clients_reading_one_token_wide_route_at_once_get_no_429_from_racing_on_its_bucket()
    {
        var options = new EmulatorOptions { World = WorldShape.Small };
        options.RateLimits.Buckets["application"] = new BucketLimit(4, TimeSpan.FromMilliseconds(500));
        var emulator = await EmulatorHost.StartAsync(options);
        _owned.Add(emulator);
        var clients = Clients(3, TestDiscord.Settings(emulator, options));
        await Task.WhenAll(clients.Select(c => c.Client.GetCurrentApplicationAsync(CancellationToken.None)));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (clients.Any(c => c.Budget.Instances != 3) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50); // all three counted by each other
        }

        await Task.WhenAll(clients.SelectMany(c => Enumerable.Range(0, 12).Select(_ => c.Client.GetCurrentApplicationAsync(CancellationToken.None))));

        var stats = emulator.Stats.For(options.BotToken);
        Assert.Equal((0L, 0L), (stats.RateLimitedUser, stats.RateLimitedGlobal));
        Assert.True(stats.Requests >= 39);
    }
}

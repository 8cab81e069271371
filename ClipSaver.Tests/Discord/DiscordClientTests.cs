using Microsoft.Extensions.Configuration;

namespace ClipSaver.Tests.Discord;

/// <summary>The REST client against the emulator over real HTTP: records, paging, errors, rate limits, retries, the CDN.</summary>
public sealed class DiscordClientTests : IAsyncLifetime, IDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];

    /// <summary>
    /// The token of calls on a fake clock. The resilience library waits for calls under way when the client is
    /// disposed, and a call waiting on a clock nobody advances any more (a test that failed early) would keep it waiting
    /// for ever: the end of each test cancels them first, and a stuck call also ends in real time.
    /// </summary>
    private readonly CancellationTokenSource _calls = new(TimeSpan.FromSeconds(60));

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _calls.CancelAsync();
        foreach (var item in _owned)
        {
            await item.DisposeAsync();
        }
    }

    public void Dispose() => _calls.Dispose();

    private async Task<(EmulatorHost Emulator, ServiceProvider Services)> StartAsync(
        Action<EmulatorOptions>? emulator = null, Dictionary<string, string?>? settings = null, DiscordRateLimitState? state = null)
    {
        var options = new EmulatorOptions { World = WorldShape.Small };
        emulator?.Invoke(options);
        var host = await EmulatorHost.StartAsync(options);
        _owned.Add(host);
        var config = TestDiscord.Settings(host, options);
        foreach (var (key, value) in settings ?? [])
        {
            config[key] = value;
        }

        var collection = new ServiceCollection();
        if (state is not null)
        {
            collection.AddSingleton(state);
        }

        var services = collection
            .AddLogging()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(config).Build())
            .AddDiscordClients()
            .BuildServiceProvider();
        _owned.Add(services);
        return (host, services);
    }

    [Fact]
    public async Task Routes_map_to_records_and_paging_yields_everything_once()
    {
        var (emulator, services) = await StartAsync();
        var discord = services.GetRequiredService<DiscordRestClient>();
        var world = emulator.World;

        var app = await discord.GetCurrentApplicationAsync(CancellationToken.None);
        Assert.True(app.Flags.HasFlag(DiscordApplicationFeatures.GatewayMessageContent));
        var guilds = await discord.GetBotGuildsAsync(CancellationToken.None).ToListAsync();
        Assert.Equal(world.Guilds.Where(g => g.BotPresent).Select(g => g.Id).Order(), guilds.Select(g => g.Id.Value).Order());

        var guild = world.Guilds.First(g => g.BotPresent);
        var id = new Snowflake(guild.Id);
        Assert.Equal(guild.OwnerId, (await discord.GetGuildAsync(id, CancellationToken.None)).OwnerId.Value);
        Assert.Equal(world.Roles(guild.Id).Count, (await discord.GetGuildRolesAsync(id, CancellationToken.None)).Count);
        var members = await discord.GetGuildMembersAsync(id, CancellationToken.None).ToListAsync();
        Assert.Equal(world.Members(guild.Id).Select(m => m.User.Id).Order(), members.Select(m => m.User!.Id.Value).Order());
        var member = world.Members(guild.Id)[0];
        Assert.Equal(member.Roles.Order(), (await discord.GetGuildMemberAsync(id, new Snowflake(member.User.Id), CancellationToken.None)).Roles.Select(r => r.Value).Order());

        var channels = await discord.GetGuildChannelsAsync(id, CancellationToken.None);
        Assert.Equal(world.Channels(guild.Id).Where(c => !c.IsThread).Select(c => c.Id).Order(), channels.Select(c => c.Id.Value).Order());
        var channel = world.Channels(guild.Id).First(c => c.Type == 0 && c.MessageCount > 0);
        var pages = await discord.GetMessagePagesAfterAsync(new Snowflake(channel.Id), Snowflake.Zero, 25, CancellationToken.None).ToListAsync();
        var all = pages.SelectMany(p => p).ToList();
        Assert.Equal(world.CountMessages(channel.Id), all.Count);
        Assert.Equal(all.Count, all.Select(m => m.Id).Distinct().Count());
        Assert.Equal(all.OrderBy(m => m.Id).Select(m => m.Id), all.Select(m => m.Id));
        var withAttachment = all.First(m => m.Attachments.Count > 0);
        var again = await discord.TryGetMessageAsync(new Snowflake(channel.Id), withAttachment.Id, CancellationToken.None);
        Assert.Equal(withAttachment.Attachments[0].Id, again!.Attachments[0].Id);
    }

    [Fact]
    public async Task Not_found_and_missing_access_are_typed_errors()
    {
        var (emulator, services) = await StartAsync();
        var discord = services.GetRequiredService<DiscordRestClient>();

        Assert.Null(await discord.TryGetGuildAsync(new Snowflake(123456789012345678), CancellationToken.None));
        var unknown = await Assert.ThrowsAsync<DiscordApiException>(() => discord.GetGuildAsync(new Snowflake(123456789012345678), CancellationToken.None));
        Assert.Equal((HttpStatusCode.NotFound, DiscordApiException.UnknownGuild), (unknown.Status, unknown.Code));

        var absent = emulator.World.Guilds.First(g => !g.BotPresent);
        var denied = await Assert.ThrowsAsync<DiscordApiException>(() => discord.GetGuildRolesAsync(new Snowflake(absent.Id), CancellationToken.None));
        Assert.Equal(DiscordApiException.MissingAccess, denied.Code);
        Assert.True(denied.IsAccessLost);

        var present = emulator.World.Guilds.First(g => g.BotPresent);
        Assert.True(await discord.LeaveGuildAsync(new Snowflake(present.Id), CancellationToken.None));
        Assert.False(emulator.World.BotIsIn(present.Id));
        Assert.False(await discord.LeaveGuildAsync(new Snowflake(present.Id), CancellationToken.None));
    }

    [Fact]
    public async Task A_burst_over_many_channels_stays_under_the_limits_with_no_429()
    {
        var (emulator, services) = await StartAsync(o =>
        {
            o.RateLimits.Buckets["messages"] = new BucketLimit(5, TimeSpan.FromMilliseconds(500));
            o.RateLimits.GlobalPerSecond = 100;
            o.World = new WorldShape { Guilds = 2, TextChannelsPerGuild = 10, MessagesPerChannel = 20 };
        }, new() { ["Discord:GlobalRequestsPerSecond"] = "100" });
        var discord = services.GetRequiredService<DiscordRestClient>();
        var channels = emulator.World.Guilds.Where(g => g.BotPresent).SelectMany(g => emulator.World.Channels(g.Id)).Where(c => c.Type == 0).Take(20).ToList();
        Assert.True(channels.Count >= 10);

        var calls = Enumerable.Range(0, 200).Select(i => discord.GetMessagesAsync(new Snowflake(channels[i % channels.Count].Id), null, null, 5, CancellationToken.None));
        var pages = await Task.WhenAll(calls);

        Assert.All(pages, p => Assert.NotEmpty(p));
        var stats = emulator.Stats.For(new EmulatorOptions().BotToken);
        Assert.Equal((0L, 0L), (stats.RateLimitedUser, stats.RateLimitedGlobal));
        Assert.True(stats.Requests >= 200);
    }

    [Fact]
    public async Task A_global_429_is_waited_out_and_every_call_succeeds()
    {
        var (emulator, services) = await StartAsync(o => o.RateLimits.GlobalPerSecond = 3, new() { ["Discord:GlobalRequestsPerSecond"] = "50" });
        var discord = services.GetRequiredService<DiscordRestClient>();
        var guild = new Snowflake(emulator.World.Guilds.First(g => g.BotPresent).Id);

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => discord.GetGuildAsync(guild, CancellationToken.None)));

        Assert.All(results, g => Assert.Equal(guild, g.Id));
        Assert.True(emulator.Stats.For(new EmulatorOptions().BotToken).RateLimitedGlobal > 0);
        Assert.True(services.GetRequiredService<DiscordRateLimitState>().Total429 > 0);
    }

    [Fact]
    public async Task Server_errors_and_dropped_connections_are_retried_and_retries_stop_at_the_cap()
    {
        var (emulator, services) = await StartAsync(settings: new() { ["Discord:MaxRetries"] = "4" });
        var discord = services.GetRequiredService<DiscordRestClient>();
        var state = services.GetRequiredService<DiscordRateLimitState>();
        var guild = new Snowflake(emulator.World.Guilds.First(g => g.BotPresent).Id);

        emulator.Faults.Add(new FaultRule("GET /guilds/{guild_id}", ErrorShare: 0.4, ErrorStatus: 502, DropShare: 0.2));
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(guild, (await discord.GetGuildAsync(guild, CancellationToken.None)).Id);
        }

        Assert.True(state.TotalRetries > 0);

        emulator.Faults.Clear();
        emulator.Faults.Add(new FaultRule("GET /guilds/{guild_id}", ErrorShare: 1, ErrorStatus: 500));
        var before = emulator.Stats.For(new EmulatorOptions().BotToken).Requests;
        var failed = await Assert.ThrowsAsync<DiscordApiException>(() => discord.GetGuildAsync(guild, CancellationToken.None));
        Assert.Equal(HttpStatusCode.InternalServerError, failed.Status);
        Assert.Equal(5, emulator.Stats.For(new EmulatorOptions().BotToken).Requests - before);
    }

    [Theory]
    [InlineData("server error")]
    [InlineData("dropped connection")]
    [InlineData("timeout")]
    public async Task A_transient_failure_is_retried_the_configured_times_after_a_backoff_on_the_clock_then_fails_with_its_typed_exception(string failure)
    {
        const int MaxRetries = 3;
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (emulator, services) = await StartAsync(
            o => o.RateLimits.Enabled = false,
            new() { ["Discord:MaxRetries"] = $"{MaxRetries}", ["Discord:RequestTimeout"] = "00:00:02" },
            new DiscordRateLimitState(clock));
        var discord = services.GetRequiredService<DiscordRestClient>();
        var state = services.GetRequiredService<DiscordRateLimitState>();
        var guild = new Snowflake(emulator.World.Guilds.First(g => g.BotPresent).Id);
        emulator.Faults.Add(failure switch
        {
            "server error" => new FaultRule("GET /guilds/{guild_id}", ErrorShare: 1, ErrorStatus: 503),
            "dropped connection" => new FaultRule("GET /guilds/{guild_id}", DropShare: 1),
            _ => new FaultRule("GET /guilds/{guild_id}", Delay: TimeSpan.FromMinutes(1)),
        });
        var call = discord.GetGuildAsync(guild, _calls.Token);

        // The first attempt fails (or hangs); while the client's clock stands still, no retry is sent: the backoff and
        // the attempt's time limit are waited on that clock.
        if (failure != "timeout")
        {
            // The first retry is decided (and counted) as soon as the first attempt has failed, however long that takes.
            await WaitForAsync(() => state.TotalRetries > 0);
        }

        await Task.Delay(TimeSpan.FromMilliseconds(500));
        Assert.False(call.IsCompleted);
        if (failure == "timeout")
        {
            Assert.Equal(0, state.TotalRetries);
        }
        else
        {
            // Still the one request: the retry waits for its backoff.
            Assert.Equal((1L, 1L), (Requests(emulator), state.TotalRetries));
        }
        await DriveClockUntilAsync(clock, call);
        Exception thrown = failure switch
        {
            "server error" => await Assert.ThrowsAsync<DiscordApiException>(() => call),
            "dropped connection" => await Assert.ThrowsAsync<HttpRequestException>(() => call),
            _ => await Assert.ThrowsAsync<TimeoutException>(() => call),
        };
        if (thrown is DiscordApiException api)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, api.Status);
        }

        Assert.Equal(MaxRetries, state.TotalRetries);
        await WaitForAsync(() => Requests(emulator) >= MaxRetries + 1);
        Assert.Equal(MaxRetries + 1, Requests(emulator));
    }

    [Fact]
    public async Task A_429_is_waited_out_by_the_rate_limit_handler_and_never_retried_by_the_library()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (emulator, services) = await StartAsync(
            o => o.RateLimits.Enabled = false, new() { ["Discord:MaxRetries"] = "3" }, new DiscordRateLimitState(clock));
        var discord = services.GetRequiredService<DiscordRestClient>();
        var state = services.GetRequiredService<DiscordRateLimitState>();
        var guild = new Snowflake(emulator.World.Guilds.First(g => g.BotPresent).Id);
        // A 429 that never ends (no retry_after: the handler waits one second each time).
        emulator.Faults.Add(new FaultRule("GET /guilds/{guild_id}", ErrorShare: 1, ErrorStatus: 429));

        var call = discord.GetGuildAsync(guild, _calls.Token);
        await DriveClockUntilAsync(clock, call);

        var failed = await Assert.ThrowsAsync<DiscordApiException>(() => call);
        Assert.Equal(HttpStatusCode.TooManyRequests, failed.Status);
        // The handler's ten waits and no more: had the library retried the 429 too, it would be (1 + 10) × (1 + 3).
        Assert.Equal(11, Requests(emulator));
        Assert.Equal((11L, 10L), (state.Total429, state.TotalRetries));
    }

    private static long Requests(EmulatorHost emulator) => emulator.Stats.For(new EmulatorOptions().BotToken).Requests;

    /// <summary>Moves the client's clock on in small steps, giving the requests real time to travel, until the call ends.</summary>
    private static async Task DriveClockUntilAsync(FakeTimeProvider clock, Task call)
    {
        for (var step = 0; step < 2_000 && !call.IsCompleted; step++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(250));
            await Task.Delay(TimeSpan.FromMilliseconds(20));
        }

        Assert.True(call.IsCompleted, "the call did not end");
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var watch = Stopwatch.StartNew();
        while (!condition() && watch.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task Cancellation_during_a_rate_limit_wait_ends_promptly()
    {
        var (emulator, services) = await StartAsync(o => o.RateLimits.Buckets["messages"] = new BucketLimit(1, TimeSpan.FromSeconds(30)));
        var discord = services.GetRequiredService<DiscordRestClient>();
        var channel = new Snowflake(emulator.World.Guilds.Where(g => g.BotPresent).SelectMany(g => emulator.World.Channels(g.Id)).First(c => c.Type == 0).Id);
        await discord.GetMessagesAsync(channel, null, null, 1, CancellationToken.None);

        var watch = Stopwatch.StartNew();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => discord.GetMessagesAsync(channel, null, null, 1, cancel.Token));

        // Not before the cancel (the timer may fire a few milliseconds early), and promptly: well before the bucket's 30
        // seconds (the bound leaves room for a stalled test machine).
        Assert.InRange(watch.ElapsedMilliseconds, 150, 5_000);
        Assert.Equal(0, emulator.Stats.For(new EmulatorOptions().BotToken).RateLimited);
    }

    [Fact]
    public async Task The_cdn_serves_exact_bytes_and_an_expired_link_is_refused()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (emulator, services) = await StartAsync(o =>
        {
            o.Clock = clock;
            o.RateLimits.Enabled = false;
            o.CdnUrlLifetime = TimeSpan.FromHours(1);
        });
        var discord = services.GetRequiredService<DiscordRestClient>();
        var cdn = services.GetRequiredService<DiscordCdnClient>();
        var channel = emulator.World.Guilds.Where(g => g.BotPresent).SelectMany(g => emulator.World.Channels(g.Id)).First(c => c.Type == 0 && c.MessageCount > 0);
        var message = (await discord.GetMessagePagesAfterAsync(new Snowflake(channel.Id), Snowflake.Zero, 100, CancellationToken.None).ToListAsync())
            .SelectMany(p => p).First(m => m.Attachments.Count > 0);
        var attachment = message.Attachments[0];
        var url = new Uri(attachment.Url);

        using (var response = await cdn.OpenAsync(url, CancellationToken.None))
        {
            var bytes = await response.Content.ReadAsByteArrayAsync();
            Assert.Equal(attachment.Size, bytes.Length);
        }

        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(clock.GetUtcNow().Add(TimeSpan.FromHours(1)).ToUnixTimeSeconds()), DiscordCdnClient.ExpiresAt(url)!.Value, TimeSpan.FromSeconds(2));
        clock.Advance(TimeSpan.FromHours(2));
        await Assert.ThrowsAsync<DiscordCdnUrlExpiredException>(() => cdn.OpenAsync(url, CancellationToken.None));
        var forged = new Uri(url.ToString().Replace("hm=", "hm=00", StringComparison.Ordinal));
        await Assert.ThrowsAsync<DiscordCdnUrlExpiredException>(() => cdn.OpenAsync(forged, CancellationToken.None));
    }

    [Theory]
    [InlineData("GET", "https://discord.com/api/v10/channels/123456789012/messages?limit=50", "GET channels/{id}/messages", "123456789012")]
    [InlineData("GET", "https://discord.com/api/v10/guilds/987654321098/members/555555555555", "GET guilds/{id}/members/{id}", "987654321098")]
    [InlineData("DELETE", "https://discord.com/api/v10/users/@me/guilds/987654321098", "DELETE users/@me/guilds/{id}", "")]
    public void Routes_are_keyed_without_ids_except_the_major_parameter(string method, string url, string key, string major)
    {
        var (routeKey, majorParameter) = DiscordRateLimitState.Describe(new HttpMethod(method), new Uri(url));

        Assert.Equal(key, routeKey);
        Assert.Equal(major, majorParameter);
    }

    [Fact]
    public void Idle_buckets_are_dropped_while_held_and_still_limiting_ones_stay()
    {
        const string Messages = "GET channels/{id}/messages";
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var state = new DiscordRateLimitState(clock, TimeSpan.FromMinutes(10));
        for (var channel = 0; channel < 100; channel++)
        {
            state.Return(state.Rent(Messages, $"{100_000 + channel}"));
        }

        var held = state.Rent(Messages, "held");
        var limiting = state.Rent(Messages, "limiting");
        limiting.Remaining = 0;
        limiting.ResetAt = clock.GetUtcNow() + TimeSpan.FromHours(1);
        state.Return(limiting);
        Assert.Equal(102, state.BucketCount);

        // Used five minutes ago is not idle yet.
        clock.Advance(TimeSpan.FromMinutes(5));
        var guild = state.Rent("GET guilds/{id}", "1");
        state.Return(guild);
        Assert.Equal(103, state.BucketCount);

        // Eleven minutes on: the hundred idle buckets go; the held one, the one still limiting and the recent one stay.
        clock.Advance(TimeSpan.FromMinutes(6));
        var again = state.Rent("GET guilds/{id}", "1");
        state.Return(again);
        Assert.Equal(3, state.BucketCount);
        Assert.Same(guild, again);
        var stillLimiting = state.Rent(Messages, "limiting");
        Assert.Same(limiting, stillLimiting);
        Assert.Equal(0, stillLimiting.Remaining);
        state.Return(stillLimiting);

        // Once its window is over and it is idle, the limiting bucket goes too; the held one never while held.
        clock.Advance(TimeSpan.FromHours(1));
        state.Return(state.Rent("GET guilds/{id}", "2"));
        Assert.Equal(2, state.BucketCount);
        state.Return(held);
        clock.Advance(TimeSpan.FromMinutes(11));
        state.Return(state.Rent("GET guilds/{id}", "2"));
        Assert.Equal(1, state.BucketCount);
    }

    [Fact]
    public async Task Dropping_idle_buckets_keeps_the_limits_a_bucket_still_limiting_is_waited_out_with_no_429()
    {
        // Idle after 200 ms: the buckets of channels read once go quickly, but not the one whose window is still on.
        var state = new DiscordRateLimitState(TimeProvider.System, TimeSpan.FromMilliseconds(200));
        var window = TimeSpan.FromSeconds(3);
        var (emulator, services) = await StartAsync(o =>
        {
            o.RateLimits.Buckets["messages"] = new BucketLimit(2, window);
            o.World = new WorldShape { Guilds = 2, TextChannelsPerGuild = 8, MessagesPerChannel = 5 };
        }, state: state);
        var discord = services.GetRequiredService<DiscordRestClient>();
        var channels = emulator.World.Guilds.Where(g => g.BotPresent).SelectMany(g => emulator.World.Channels(g.Id))
            .Where(c => c.Type == 0).Select(c => new Snowflake(c.Id)).Take(7).ToList();
        Assert.Equal(7, channels.Count);
        var (limited, once, trigger) = (channels[0], channels[1..6], channels[6]);

        foreach (var channel in once)
        {
            await discord.GetMessagesAsync(channel, null, null, 1, CancellationToken.None);
        }

        var withIdle = state.BucketCount;
        await Task.Delay(window + TimeSpan.FromMilliseconds(300));
        // Two requests use up the limited channel's bucket for three seconds, from the first one's arrival.
        var sinceWindowStart = Stopwatch.StartNew();
        await discord.GetMessagesAsync(limited, null, null, 1, CancellationToken.None);
        await discord.GetMessagesAsync(limited, null, null, 1, CancellationToken.None);
        await Task.Delay(TimeSpan.FromMilliseconds(400));

        // Any request sweeps: the channels read once are dropped, the limited one is kept.
        await discord.GetMessagesAsync(trigger, null, null, 1, CancellationToken.None);
        Assert.True(state.BucketCount < withIdle, $"{state.BucketCount} buckets after the sweep, {withIdle} before");
        await discord.GetMessagesAsync(limited, null, null, 1, CancellationToken.None);

        // The third request waited for the window's end (measured from before the first, so a slow machine cannot make
        // the wait look shorter than it was).
        Assert.True(sinceWindowStart.Elapsed > TimeSpan.FromSeconds(2.5), $"the third request went {sinceWindowStart.Elapsed.TotalMilliseconds:0} ms after the first");
        var stats = emulator.Stats.For(new EmulatorOptions().BotToken);
        Assert.Equal((0L, 0L), (stats.RateLimitedUser, stats.RateLimitedGlobal));
    }

    [Fact]
    public void Invalid_requests_are_counted_in_a_ten_minute_window()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var state = new DiscordRateLimitState(clock);
        for (var i = 0; i < 3; i++)
        {
            state.CountInvalid();
        }

        clock.Advance(TimeSpan.FromMinutes(6));
        state.CountInvalid();
        Assert.Equal(4, state.InvalidRequestsLast10Minutes);
        Assert.True(state.ShouldBackOff(threshold: 4));

        clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(1, state.InvalidRequestsLast10Minutes);
        Assert.False(state.ShouldBackOff(threshold: 4));
    }
}

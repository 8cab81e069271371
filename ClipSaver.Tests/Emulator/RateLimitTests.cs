namespace ClipSaver.Tests.Emulator;

public sealed class RateLimitTests
{
    private static string Header(HttpResponseMessage response, string name) => response.Headers.GetValues(name).Single();

    [Fact]
    public async Task A_tightened_bucket_counts_down_then_answers_429_until_its_window_resets()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero));
        await using var emulator = await EmulatorTestHost.StartAsync(o =>
        {
            o.Clock = clock;
            o.RateLimits.Buckets["messages"] = new BucketLimit(3, TimeSpan.FromSeconds(10));
        });
        var channel = emulator.FirstTextChannel(emulator.ClipClub.Id);
        var url = $"channels/{channel.Id}/messages?limit=1";

        var remaining = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            using var ok = await emulator.Bot.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal("3", Header(ok, "X-RateLimit-Limit"));
            remaining.Add(Header(ok, "X-RateLimit-Remaining"));
            Assert.Equal("10.000", Header(ok, "X-RateLimit-Reset-After"));
            Assert.Equal(clock.GetUtcNow().AddSeconds(10).ToUnixTimeSeconds(), (long)double.Parse(Header(ok, "X-RateLimit-Reset"), CultureInfo.InvariantCulture));
        }

        Assert.Equal(["2", "1", "0"], remaining);
        clock.Advance(TimeSpan.FromSeconds(4));
        using var limited = await emulator.Bot.GetAsync(url);
        var body = await EmulatorTestHost.JsonAsync(limited);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal(6.0, body.GetProperty("retry_after").GetDouble(), 3);
        Assert.False(body.GetProperty("global").GetBoolean());
        Assert.Equal("user", Header(limited, "X-RateLimit-Scope"));
        Assert.Equal("6", Header(limited, "Retry-After"));

        // Another channel is another bucket instance (the channel id is the major parameter).
        var other = emulator.World.Channels(emulator.ClipClub.Id).Where(c => c.Type == 0 && c.MessageCount > 0).Skip(1).First();
        Assert.Equal(HttpStatusCode.OK, (await emulator.Bot.GetAsync($"channels/{other.Id}/messages?limit=1")).StatusCode);

        clock.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal(HttpStatusCode.OK, (await emulator.Bot.GetAsync(url)).StatusCode);

        var stats = emulator.Host.Stats.For(emulator.Options.BotToken);
        Assert.Equal(1, stats.RateLimitedUser);
        Assert.Equal(1, stats.InvalidRequests);
        Assert.Equal(6, stats.RequestsByRoute["GET /channels/{channel_id}/messages"]);
    }

    [Fact]
    public async Task Routes_of_one_bucket_share_its_hash_and_its_count()
    {
        await using var emulator = await EmulatorTestHost.StartAsync(o => o.RateLimits.Buckets["guild"] = new BucketLimit(2, TimeSpan.FromMinutes(1)));
        var guild = emulator.ClipClub.Id;
        using var first = await emulator.Bot.GetAsync($"guilds/{guild}");
        using var second = await emulator.Bot.GetAsync($"guilds/{guild}/roles");
        using var channels = await emulator.Bot.GetAsync($"guilds/{guild}/channels");
        using var third = await emulator.Bot.GetAsync($"guilds/{guild}");

        Assert.Equal(Header(first, "X-RateLimit-Bucket"), Header(second, "X-RateLimit-Bucket"));
        Assert.NotEqual(Header(first, "X-RateLimit-Bucket"), Header(channels, "X-RateLimit-Bucket"));
        Assert.Equal("0", Header(second, "X-RateLimit-Remaining"));
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
    }

    [Fact]
    public async Task The_global_limit_answers_429_with_the_global_flag_and_scope()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero));
        await using var emulator = await EmulatorTestHost.StartAsync(o =>
        {
            o.Clock = clock;
            o.RateLimits.GlobalPerSecond = 5;
        });
        var guild = emulator.ClipClub.Id;
        string[] urls = ["users/@me", $"guilds/{guild}", $"guilds/{guild}/channels", $"guilds/{guild}/threads/active", "applications/@me"];
        foreach (var url in urls)
        {
            Assert.Equal(HttpStatusCode.OK, (await emulator.Bot.GetAsync(url)).StatusCode);
        }

        using var limited = await emulator.Bot.GetAsync($"guilds/{guild}/roles");
        var body = await EmulatorTestHost.JsonAsync(limited);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.True(body.GetProperty("global").GetBoolean());
        Assert.Equal("true", Header(limited, "X-RateLimit-Global"));
        Assert.Equal("global", Header(limited, "X-RateLimit-Scope"));
        Assert.Equal(1, emulator.Host.Stats.For(emulator.Options.BotToken).RateLimitedGlobal);

        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await emulator.Bot.GetAsync($"guilds/{guild}/roles")).StatusCode);
    }

    [Fact]
    public async Task Unauthorized_and_forbidden_answers_count_as_invalid_requests_per_client()
    {
        await using var emulator = await EmulatorTestHost.StartAsync();
        using var stranger = emulator.NewClient("Bot stolen-token");
        await stranger.GetAsync("users/@me");
        var vault = emulator.World.Guilds.Single(g => g.Name == "Speedrun Vault");
        await emulator.Bot.GetAsync($"guilds/{vault.Id}");
        await emulator.Bot.GetAsync("users/@me");

        Assert.Equal(1, emulator.Host.Stats.For("anonymous").InvalidRequests);
        var bot = emulator.Host.Stats.For(emulator.Options.BotToken);
        Assert.Equal(2, bot.Requests);
        Assert.Equal(1, bot.InvalidRequests);
    }
}

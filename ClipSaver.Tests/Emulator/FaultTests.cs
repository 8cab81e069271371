namespace ClipSaver.Tests.Emulator;

public sealed class FaultTests
{
    [Fact]
    public async Task A_share_of_server_errors_hits_only_the_matching_route_and_repeats_with_the_seed()
    {
        async Task<List<int>> RunAsync()
        {
            await using var emulator = await EmulatorTestHost.StartAsync(o => o.RateLimits.Enabled = false);
            emulator.Host.Faults.Add(new FaultRule("GET /channels/{channel_id}/messages", ErrorShare: 0.5, ErrorStatus: 502));
            var channel = emulator.FirstTextChannel(emulator.ClipClub.Id);
            var statuses = new List<int>();
            for (var i = 0; i < 40; i++)
            {
                statuses.Add((int)(await emulator.Bot.GetAsync($"channels/{channel.Id}/messages?limit=1")).StatusCode);
            }

            Assert.Equal(HttpStatusCode.OK, (await emulator.Bot.GetAsync($"guilds/{emulator.ClipClub.Id}")).StatusCode);
            return statuses;
        }

        var first = await RunAsync();
        Assert.Equal(first, await RunAsync());
        Assert.InRange(first.Count(s => s == 502), 8, 32);
        Assert.All(first, s => Assert.True(s is 200 or 502));
    }

    [Fact]
    public async Task Latency_is_added_and_a_dropped_connection_fails_the_request()
    {
        await using var emulator = await EmulatorTestHost.StartAsync();
        emulator.Host.Faults.Add(new FaultRule("/users/@me", Delay: TimeSpan.FromMilliseconds(300)));
        var watch = Stopwatch.StartNew();
        Assert.Equal(HttpStatusCode.OK, (await emulator.Bot.GetAsync("users/@me")).StatusCode);
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(290), $"took {watch.Elapsed}");

        emulator.Host.Faults.Clear();
        emulator.Host.Faults.Add(new FaultRule("GET /guilds/*", DropShare: 1));
        await Assert.ThrowsAsync<HttpRequestException>(() => emulator.Bot.GetAsync($"guilds/{emulator.ClipClub.Id}"));
        Assert.Equal(HttpStatusCode.OK, (await emulator.Bot.GetAsync("users/@me")).StatusCode);
    }

    [Theory]
    [InlineData("{}", "route_pattern is required")]
    [InlineData("{\"route_pattern\": null, \"error_share\": 1}", "route_pattern is required")]
    [InlineData("{\"route_pattern\": \"  \"}", "route_pattern is required")]
    [InlineData("{\"route_pattern\": 5}", "not valid")]
    [InlineData("{\"route_pattern\": \"*\", \"error_share\": \"half\"}", "not valid")]
    [InlineData("{\"route_pattern\": \"*\", \"error_share\": null}", "not valid")]
    [InlineData("{\"route_pattern\": \"*\", \"error_share\": 1.5}", "error_share must be between 0 and 1")]
    [InlineData("{\"route_pattern\": \"*\", \"drop_share\": -0.1}", "drop_share must be between 0 and 1")]
    [InlineData("{\"route_pattern\": \"*\", \"error_share\": 1, \"error_status\": 200}", "error_status must be an HTTP error status")]
    [InlineData("{\"route_pattern\": \"*\", \"delay\": \"-00:00:01\"}", "delay must be between")]
    [InlineData("{\"route_pattern\": \"*\", \"delay\": \"soon\"}", "not valid")]
    [InlineData("null", "A fault rule is required")]
    [InlineData("[1, 2]", "not valid")]
    [InlineData("{\"route_pattern\": ", "not valid")]
    public async Task A_malformed_fault_rule_is_refused_with_400_and_the_emulator_keeps_answering(string body, string message)
    {
        await using var emulator = await EmulatorTestHost.StartAsync();
        using var control = new HttpClient { BaseAddress = new Uri(emulator.Host.BaseAddress, "_emulator/") };

        using var posted = await control.PostAsync("faults", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, posted.StatusCode);
        var answer = await EmulatorTestHost.JsonAsync(posted);
        Assert.Contains(message, answer.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(emulator.Host.Faults.Rules);
        Assert.Equal(HttpStatusCode.OK, (await emulator.Bot.GetAsync("users/@me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await emulator.Bot.GetAsync($"guilds/{emulator.ClipClub.Id}")).StatusCode);
    }

    [Fact]
    public async Task A_well_formed_fault_rule_posted_over_http_takes_effect()
    {
        await using var emulator = await EmulatorTestHost.StartAsync();
        using var control = new HttpClient { BaseAddress = new Uri(emulator.Host.BaseAddress, "_emulator/") };

        using var posted = await control.PostAsync("faults", new StringContent(
            "{\"route_pattern\": \"GET /guilds/*\", \"error_share\": 1, \"error_status\": 503}", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.NoContent, posted.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await emulator.Bot.GetAsync($"guilds/{emulator.ClipClub.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await emulator.Bot.GetAsync("users/@me")).StatusCode);
    }
}

using System.Diagnostics;
using System.Net;
using ClipSaver.DiscordEmulator;

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
}

namespace ClipSaver.Tests.Emulator;

public sealed class WorldTests
{
    [Fact]
    public async Task The_same_seed_gives_the_same_ids_and_another_seed_does_not()
    {
        static async Task<string> FingerprintAsync(int seed)
        {
            await using var emulator = await EmulatorTestHost.StartAsync(o => o.Seed = seed);
            var guild = emulator.ClipClub;
            var channel = emulator.FirstTextChannel(guild.Id);
            var messages = emulator.World.Messages(channel.Id, 20);
            return string.Join(',', emulator.World.Guilds.Select(g => g.Id).Concat(emulator.World.Channels(guild.Id).Select(c => c.Id)).Concat(messages.Select(m => m.Id))
                .Concat(messages.SelectMany(m => m.Attachments).Select(a => (ulong)a.Size)).Select(x => x.ToString(CultureInfo.InvariantCulture)));
        }

        Assert.Equal(await FingerprintAsync(7), await FingerprintAsync(7));
        Assert.NotEqual(await FingerprintAsync(7), await FingerprintAsync(8));
    }

    [Fact]
    public async Task Messages_posted_in_two_channels_in_the_same_millisecond_get_different_ids_and_attachment_ids()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
        await using var emulator = await EmulatorTestHost.StartAsync(o => o.Clock = clock);
        var guild = emulator.ClipClub;
        var channels = emulator.World.Channels(guild.Id).Where(c => c.Type == 0).Take(2).ToList();
        var author = emulator.World.Members(guild.Id).First(m => !m.User.Bot).User.Id;

        var first = emulator.World.PostMessage(channels[0].Id, author, "one", new NewAttachment("a.mp4", 1_000, "video/mp4"));
        var second = emulator.World.PostMessage(channels[1].Id, author, "two", new NewAttachment("b.mp4", 1_000, "video/mp4"));

        Assert.True(second.Id > first.Attachments[0].Id, $"{second.Id} should come after {first.Attachments[0].Id}");
        Assert.NotEqual(first.Attachments[0].Id, second.Attachments[0].Id);
    }

    [Fact]
    public async Task The_demo_world_has_the_guilds_and_rights_the_demo_needs()
    {
        await using var emulator = await EmulatorTestHost.StartAsync(o => o.World = WorldShape.Demo);
        var world = emulator.World;
        var club = world.Guilds.Single(g => g.Name == "Clip Club");
        var vault = world.Guilds.Single(g => g.Name == "Speedrun Vault");
        Assert.Equal(DemoUsers.Owner.Id, club.OwnerId);
        Assert.Equal(DemoUsers.Owner.Id, vault.OwnerId);
        Assert.True(club.BotPresent);
        Assert.False(vault.BotPresent);
        Assert.NotEqual(0UL, world.BasePermissions(club.Id, DemoUsers.Manager.Id) & (1UL << 5));
        Assert.Equal(0UL, world.BasePermissions(club.Id, DemoUsers.Member.Id) & ((1UL << 5) | (1UL << 3)));
        Assert.DoesNotContain(world.Guilds, g => g.OwnerId == DemoUsers.Manager.Id);

        var channels = world.Channels(club.Id);
        Assert.Contains(channels, c => c.Type == 4);
        Assert.Contains(channels, c => c.Type == 5);
        Assert.Contains(channels, c => c.Type == 15);
        Assert.Contains(channels, c => c.Nsfw);
        Assert.Contains(channels, c => c.IsThread && c.ThreadArchived);
        var messages = channels.Where(c => c.Type == 0).SelectMany(c => world.Messages(c.Id, 100)).ToList();
        Assert.Contains(messages, m => m.Attachments.Any(a => a.ContentType == "video/mp4" && a.Flags == 1));
        Assert.Contains(messages, m => m.Attachments.Any(a => a.ContentType == "video/webm"));
        Assert.Contains(messages, m => m.Embeds.Any(e => e.Type == "video" && e.Video is not null));
        Assert.Contains(messages, m => m.Attachments.Count == 0 && m.Embeds.Count == 0);
        Assert.All(messages.SelectMany(m => m.Attachments).Where(a => a.ContentType.StartsWith("video/", StringComparison.Ordinal)), a => Assert.InRange(a.Size, 20_000, 1_000_000));
        Assert.All(messages, m => Assert.Equal(m.Timestamp, DateTimeOffset.FromUnixTimeMilliseconds((long)(m.Id >> 22) + 1_420_070_400_000)));
    }

    [Fact]
    public async Task A_channel_of_five_million_messages_pages_near_its_end_quickly_without_holding_them()
    {
        var memoryBefore = GC.GetTotalMemory(forceFullCollection: true);
        await using var emulator = await EmulatorTestHost.StartAsync(o =>
        {
            o.RateLimits.Enabled = false;
            o.World = new WorldShape { Guilds = 1, TextChannelsPerGuild = 1, MessagesPerChannel = 5_000_000, MembersPerGuild = 5 };
        });
        var channel = emulator.FirstTextChannel(emulator.World.Guilds[0].Id);
        Assert.Equal(5_000_000, emulator.World.CountMessages(channel.Id));

        // The oldest messages: page forward from the very start, then deep into the middle and to the end.
        var watch = Stopwatch.StartNew();
        var oldest = await EmulatorTestHost.JsonAsync(await emulator.Bot.GetAsync($"channels/{channel.Id}/messages?after=0&limit=100"));
        var newest = await EmulatorTestHost.JsonAsync(await emulator.Bot.GetAsync($"channels/{channel.Id}/messages?limit=100"));
        var lastOldest = ulong.Parse(oldest[0].GetProperty("id").GetString()!, CultureInfo.InvariantCulture);
        var next = await EmulatorTestHost.JsonAsync(await emulator.Bot.GetAsync($"channels/{channel.Id}/messages?after={lastOldest}&limit=100"));
        var newestId = ulong.Parse(newest[99].GetProperty("id").GetString()!, CultureInfo.InvariantCulture);
        var older = await EmulatorTestHost.JsonAsync(await emulator.Bot.GetAsync($"channels/{channel.Id}/messages?before={newestId}&limit=100"));
        watch.Stop();

        Assert.Equal(100, oldest.GetArrayLength());
        Assert.Equal(100, next.GetArrayLength());
        Assert.Equal(100, older.GetArrayLength());
        Assert.True(ulong.Parse(next[99].GetProperty("id").GetString()!, CultureInfo.InvariantCulture) > lastOldest);
        Assert.True(ulong.Parse(older[0].GetProperty("id").GetString()!, CultureInfo.InvariantCulture) < newestId);
        // Generous bounds: paging a lazy timeline takes milliseconds and a few MB, holding five million messages takes
        // minutes and gigabytes; the room between is for a loaded test machine and the tests running alongside.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"took {watch.Elapsed}");
        Assert.True(GC.GetTotalMemory(forceFullCollection: true) - memoryBefore < 512L * 1024 * 1024);
        Assert.Equal(HttpStatusCode.OK, (await emulator.Bot.GetAsync($"channels/{channel.Id}/messages/{newestId}")).StatusCode);
    }
}

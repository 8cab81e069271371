using ClipSaver.DiscordEmulator.Gateway;
using ClipSaver.DiscordEmulator.World;
using ClipSaver.Tests.Emulator;
using ClipSaver.Tests.Emulator.Spec;

namespace ClipSaver.Tests.Gateway;

/// <summary>The emulator's Gateway over real WebSockets: the protocol, routing by shard, resumes, faults and close codes.</summary>
public sealed class EmulatorGatewayTests
{
    private const int AllIntents = GatewayIntents.Guilds | GatewayIntents.GuildMembers | GatewayIntents.GuildMessages | GatewayIntents.MessageContent;

    private static Task<EmulatorTestHost> StartAsync(Action<EmulatorOptions>? configure = null) => EmulatorTestHost.StartAsync(o =>
    {
        o.Gateway.MaxConcurrency = 16;
        o.Gateway.IdentifySpacing = TimeSpan.Zero;
        configure?.Invoke(o);
    });

    private static async Task<(RawGatewayClient Client, JsonElement Ready)> IdentifiedAsync(EmulatorTestHost emulator, int shard = 0, int shards = 1, int intents = AllIntents)
    {
        var client = await RawGatewayClient.ConnectAsync(emulator.Host.GatewayUrl);
        var hello = await client.ExpectAsync(op: 10);
        Assert.True(hello.GetProperty("d").GetProperty("heartbeat_interval").GetInt32() > 0);
        await client.IdentifyAsync(emulator.Options.BotToken, intents, shard, shards);
        return (client, (await client.ExpectAsync("READY")).GetProperty("d"));
    }

    private static ulong Id(JsonElement e, string property = "id") => ulong.Parse(e.GetProperty(property).GetString()!, CultureInfo.InvariantCulture);

    [Fact]
    public async Task Gateway_bot_answers_in_the_shape_of_Discords_OpenAPI_description()
    {
        await using var emulator = await StartAsync(o => o.Gateway.Shards = 3);
        using var response = await emulator.Bot.GetAsync("gateway/bot");
        var json = await EmulatorTestHost.JsonAsync(response);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(OpenApiValidator.Discord.Validate(json, OpenApiValidator.Discord.ResponseSchema("/gateway/bot", "get", "200")));
        Assert.Equal(3, json.GetProperty("shards").GetInt32());
        Assert.Equal(emulator.Host.GatewayUrl, new Uri(json.GetProperty("url").GetString()!));
        Assert.Equal(16, json.GetProperty("session_start_limit").GetProperty("max_concurrency").GetInt32());
        using var stranger = emulator.NewClient("Bot wrong");
        Assert.Equal(HttpStatusCode.Unauthorized, (await stranger.GetAsync("gateway/bot")).StatusCode);
    }

    [Fact]
    public async Task Each_guild_is_created_on_the_shard_its_id_routes_to()
    {
        await using var emulator = await StartAsync(o => o.World = WorldShape.Demo);
        var botGuilds = emulator.World.Guilds.Where(g => g.BotPresent).Select(g => g.Id).ToHashSet();
        var seen = new List<ulong>();
        for (var shard = 0; shard < 2; shard++)
        {
            var (client, ready) = await IdentifiedAsync(emulator, shard, 2);
            await using var _ = client;
            Assert.Equal([shard, 2], ready.GetProperty("shard").EnumerateArray().Select(e => e.GetInt32()));
            Assert.False(string.IsNullOrEmpty(ready.GetProperty("session_id").GetString()));
            var expected = botGuilds.Where(id => (int)((id >> 22) % 2) == shard).ToList();
            Assert.Equal(expected.Order(), ready.GetProperty("guilds").EnumerateArray().Select(g => Id(g)).Order());
            foreach (var _2 in expected)
            {
                var created = (await client.ExpectAsync("GUILD_CREATE")).GetProperty("d");
                Assert.NotEmpty(created.GetProperty("channels").EnumerateArray());
                seen.Add(Id(created));
            }
        }

        Assert.Equal(botGuilds.Order(), seen.Order());
    }

    [Fact]
    public async Task Heartbeats_are_acknowledged_unless_acks_are_swallowed_and_sequences_count_up()
    {
        await using var emulator = await StartAsync();
        var (client, _) = await IdentifiedAsync(emulator);
        await using var _1 = client;
        var created = await client.ExpectAsync("GUILD_CREATE");
        await client.SendAsync(1, created.GetProperty("s").GetInt32());
        await client.ExpectAsync(op: 11);

        var channel = emulator.FirstTextChannel(emulator.ClipClub.Id);
        var author = emulator.World.Members(emulator.ClipClub.Id).First(m => !m.User.Bot).User.Id;
        emulator.World.PostMessage(channel.Id, author, "clip", new NewAttachment("a.mp4", 1000, "video/mp4"));
        var message = await client.ExpectAsync("MESSAGE_CREATE");
        Assert.Equal(created.GetProperty("s").GetInt32() + 1, message.GetProperty("s").GetInt32());
        Assert.Equal(emulator.ClipClub.Id, Id(message.GetProperty("d"), "guild_id"));
        Assert.Contains("/cdn/attachments/", message.GetProperty("d").GetProperty("attachments")[0].GetProperty("url").GetString(), StringComparison.Ordinal);

        emulator.Host.Gateway.SwallowAcks = true;
        await client.SendAsync(1, message.GetProperty("s").GetInt32());
        emulator.World.PostMessage(channel.Id, author, "after the beat");
        var next = await client.ReceiveAsync();
        Assert.Equal(0, next!.Value.GetProperty("op").GetInt32());
    }

    [Fact]
    public async Task Without_message_content_a_message_arrives_blank_and_without_the_intent_not_at_all()
    {
        await using var emulator = await StartAsync();
        var (blind, _) = await IdentifiedAsync(emulator, intents: GatewayIntents.Guilds | GatewayIntents.GuildMessages);
        await using var _1 = blind;
        var (deaf, _) = await IdentifiedAsync(emulator, intents: GatewayIntents.Guilds);
        await using var _2 = deaf;
        var channel = emulator.FirstTextChannel(emulator.ClipClub.Id);
        var author = emulator.World.Members(emulator.ClipClub.Id).First(m => !m.User.Bot).User.Id;
        emulator.World.PostMessage(channel.Id, author, "clip", new NewAttachment("a.mp4", 1000, "video/mp4"));
        emulator.World.RenameChannel(channel.Id, "renamed");

        var message = (await blind.ExpectAsync("MESSAGE_CREATE")).GetProperty("d");
        Assert.Empty(message.GetProperty("attachments").EnumerateArray());
        Assert.Equal("", message.GetProperty("content").GetString());
        var update = await deaf.ReceiveAsync();
        while (update!.Value.GetProperty("t").GetString() == "GUILD_CREATE")
        {
            update = await deaf.ReceiveAsync();
        }

        Assert.Equal("CHANNEL_UPDATE", update.Value.GetProperty("t").GetString());
    }

    [Fact]
    public async Task A_dropped_session_resumes_on_its_resume_url_with_the_missed_events_replayed()
    {
        await using var emulator = await StartAsync();
        var (client, ready) = await IdentifiedAsync(emulator);
        var last = (await client.ExpectAsync("GUILD_CREATE")).GetProperty("s").GetInt32();
        emulator.Host.Gateway.Drop();
        await Assert.ThrowsAnyAsync<Exception>(async () => await client.ClosedAsync());
        await client.DisposeAsync();

        var channel = emulator.FirstTextChannel(emulator.ClipClub.Id);
        var author = emulator.World.Members(emulator.ClipClub.Id).First(m => !m.User.Bot).User.Id;
        var missed = emulator.World.PostMessage(channel.Id, author, "while away");
        await using var again = await RawGatewayClient.ConnectAsync(new Uri(ready.GetProperty("resume_gateway_url").GetString()!));
        await again.ExpectAsync(op: 10);
        await again.SendAsync(6, new { token = emulator.Options.BotToken, session_id = ready.GetProperty("session_id").GetString(), seq = last });
        var replayed = await again.ExpectAsync("MESSAGE_CREATE");
        Assert.Equal(last + 1, replayed.GetProperty("s").GetInt32());
        Assert.Equal(missed.Id, Id(replayed.GetProperty("d")));
        await again.ExpectAsync("RESUMED");
        Assert.Equal(1, emulator.Host.Gateway.ResumesOnResumeUrl);
        Assert.Equal(1, emulator.Host.Gateway.MaxLiveSessions(0));

        emulator.Host.Gateway.RefuseResumes = true;
        await using var refused = await RawGatewayClient.ConnectAsync(emulator.Host.GatewayUrl);
        await refused.ExpectAsync(op: 10);
        await refused.SendAsync(6, new { token = emulator.Options.BotToken, session_id = ready.GetProperty("session_id").GetString(), seq = last });
        Assert.False((await refused.ExpectAsync(op: 9)).GetProperty("d").GetBoolean());
    }

    [Theory]
    [InlineData("bad-token", 0, 1, AllIntents, 4004)]
    [InlineData(null, 2, 2, AllIntents, 4010)]
    [InlineData(null, 0, 1, 1 << 30, 4013)]
    public async Task Identify_is_refused_with_Discords_close_codes(string? token, int shard, int shards, int intents, int code)
    {
        await using var emulator = await StartAsync();
        await using var client = await RawGatewayClient.ConnectAsync(emulator.Host.GatewayUrl);
        await client.ExpectAsync(op: 10);
        await client.IdentifyAsync(token ?? emulator.Options.BotToken, intents, shard, shards);
        Assert.Equal(code, await client.ClosedAsync());
    }

    [Fact]
    public async Task Privileged_intents_not_switched_on_close_with_4014_and_a_wrong_version_with_4012()
    {
        await using var emulator = await StartAsync();
        emulator.World.SetIntents(membersIntent: true, messageContentIntent: false);
        await using var client = await RawGatewayClient.ConnectAsync(emulator.Host.GatewayUrl);
        await client.ExpectAsync(op: 10);
        await client.IdentifyAsync(emulator.Options.BotToken, AllIntents);
        Assert.Equal(4014, await client.ClosedAsync());

        await using var old = await RawGatewayClient.ConnectAsync(emulator.Host.GatewayUrl, "v=6&encoding=json");
        Assert.Equal(4012, await old.ClosedAsync());
    }

    [Fact]
    public async Task Faults_send_op_7_op_9_and_close_codes_on_demand_and_identifies_respect_max_concurrency()
    {
        await using var emulator = await StartAsync(o => (o.Gateway.MaxConcurrency, o.Gateway.IdentifySpacing) = (1, TimeSpan.FromSeconds(60)));
        var (client, _) = await IdentifiedAsync(emulator, 0, 2);
        await using var _1 = client;
        emulator.Host.Gateway.SendReconnect();
        await client.ExpectAsync(op: 7);
        emulator.Host.Gateway.InvalidateSession(resumable: true);
        Assert.True((await client.ExpectAsync(op: 9)).GetProperty("d").GetBoolean());
        emulator.Host.Gateway.Close(4000);
        Assert.Equal(4000, await client.ClosedAsync());

        // Shard 1 is in the same bucket (max_concurrency 1) and comes within the spacing (a minute here, so a slow machine
        // cannot stretch the steps above past it): Discord answers op 9.
        await using var second = await RawGatewayClient.ConnectAsync(emulator.Host.GatewayUrl);
        await second.ExpectAsync(op: 10);
        await second.IdentifyAsync(emulator.Options.BotToken, AllIntents, 1, 2);
        Assert.False((await second.ExpectAsync(op: 9)).GetProperty("d").GetBoolean());
        Assert.Equal(1, emulator.Host.Gateway.IdentifiesTooSoon);
    }

    [Fact]
    public async Task Two_sessions_of_one_shard_are_counted()
    {
        await using var emulator = await StartAsync();
        var (first, _) = await IdentifiedAsync(emulator);
        await using var _1 = first;
        Assert.Equal(1, emulator.Host.Gateway.LiveSessions(0));
        var (second, _) = await IdentifiedAsync(emulator);
        await using var _2 = second;
        Assert.Equal(2, emulator.Host.Gateway.MaxLiveSessions(0));
    }
}

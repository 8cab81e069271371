using ClipSaver.DiscordEmulator.Gateway;

namespace ClipSaver.Tests.Gateway;

/// <summary>The bot's side of the protocol against the emulator: identify, resume, op 7/9, zombies, close codes.</summary>
public sealed class GatewayConnectionTests : GatewayAppTestBase
{
    private const long Operator = 4242;

    private GatewayHub Hub => Discord.Gateway;

    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>(GatewaySettings) { ["ClipSaver:Operators:0"] = Operator.ToString(System.Globalization.CultureInfo.InvariantCulture) };

    private async Task<string> AdminPageAsync()
    {
        using var client = App.CreateClientAs(Operator);
        return await client.GetStringAsync(new Uri("/admin", UriKind.Relative));
    }

    [Fact]
    public async Task The_bot_identifies_once_with_its_intents_and_records_its_guilds_from_GUILD_CREATE()
    {
        await StartAsync();
        Assert.Equal(1, Hub.Identifies);
        Assert.Equal(GatewayOptions.Intents, Hub.LastIdentifyIntents);
        Assert.Equal(33283, GatewayOptions.Intents);
        await EventuallyAsync(async db => await db.GatewayShards.AnyAsync(s => s.ShardId == 0 && s.State == "connected" && s.GuildCount == 1 && s.SessionId != null),
            "shard 0 reported connected");
        await using var check = Db.CreateContext();
        Assert.Equal("Clip Club", (await check.Guilds.SingleAsync()).Name);
        Assert.Equal(1, Hub.MaxLiveSessions(0));

        var admin = await AdminPageAsync();
        Assert.Contains("data-testid=\"shard-0\"", admin, StringComparison.Ordinal);
        Assert.Contains(">connected<", admin, StringComparison.Ordinal);
        Assert.Contains("Session starts left today: 999 of 1000", admin, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dropped_connection_resumes_and_the_message_posted_meanwhile_is_archived()
    {
        await StartAsync();
        var channel = await ArchiveAsync();
        Hub.Drop();
        var message = Discord.World.PostMessage(channel.Id, Member, "while away", new NewAttachment("away.mp4", 5_000, "video/mp4"));
        await EventuallyAsync(async db => await db.Clips.AnyAsync(c => c.MessageId == TestDiscord.Id(message.Id) && c.StorageKey != null), "the clip and its file");
        Assert.Equal(1, Hub.Resumes);
        Assert.Equal(1, Hub.ResumesOnResumeUrl);
        Assert.Equal(1, Hub.Identifies);
        Assert.Contains(Shard().ToRow("x", DateTimeOffset.UtcNow).RecentReasons, r => r.Contains("dropped", StringComparison.Ordinal));
        Assert.Equal(1, Hub.MaxLiveSessions(0));
    }

    [Fact]
    public async Task Op_7_and_a_resumable_op_9_resume_and_an_op_9_that_is_not_resumable_identifies_again()
    {
        await StartAsync();
        Hub.SendReconnect();
        await EventuallyAsync(() => Hub.Resumes == 1 && Shard().State == "connected", "a resume after op 7");
        Hub.InvalidateSession(resumable: true);
        await EventuallyAsync(() => Hub.Resumes == 2 && Shard().State == "connected", "a resume after op 9 true");
        Hub.InvalidateSession(resumable: false);
        await EventuallyAsync(() => Hub.Identifies == 2 && Shard().State == "connected", "a new identify after op 9 false");
        Assert.Equal(2, Hub.Resumes);
        Assert.Equal(1, Hub.MaxLiveSessions(0));
    }

    [Fact]
    public async Task A_missing_heartbeat_ACK_is_taken_as_a_zombie_connection_and_the_session_resumed()
    {
        Hub.Settings.HeartbeatInterval = TimeSpan.FromMilliseconds(400);
        await StartAsync();
        Hub.SwallowAcks = true;
        await EventuallyAsync(() => Hub.Resumes >= 1, "a resume after missing ACKs");
        Hub.SwallowAcks = false;
        await EventuallyAsync(() => Shard().State == "connected", "connected again");
        Assert.Contains(Shard().ToRow("x", DateTimeOffset.UtcNow).RecentReasons, r => r.Contains("zombie", StringComparison.Ordinal));
        Assert.Equal(1, Hub.Identifies);
    }

    [Fact]
    public async Task A_session_timeout_close_starts_a_new_session()
    {
        await StartAsync();
        Hub.Close(4009);
        await EventuallyAsync(() => Hub.Identifies == 2 && Shard().State == "connected", "a new session after 4009");
        Assert.Equal(0, Hub.Resumes);
    }

    [Fact]
    public async Task Disallowed_intents_stop_the_shard_with_the_reason_in_words_and_readiness_says_degraded()
    {
        Discord.World.SetIntents(membersIntent: true, messageContentIntent: false);
        _ = App.Services.GetRequiredService<GatewayService>();
        await EventuallyAsync(() => App.Services.GetRequiredService<GatewayService>().LocalShards.Any(s => s.State == "stopped"), "the shard stopped");
        var shard = Shard();
        Assert.Contains("Message Content intent", shard.StoppedReason, StringComparison.Ordinal);
        Assert.Contains("developer portal", shard.StoppedReason, StringComparison.Ordinal);

        // No reconnect loop: it stays stopped.
        await Task.Delay(2500);
        Assert.Equal(0, Shard().Reconnects);
        Assert.Equal(0, Hub.Identifies);

        using var client = App.CreateClientAs(null);
        using var ready = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
        var body = await ready.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Degraded", body.GetProperty("status").GetString());
        Assert.Contains(body.GetProperty("checks").EnumerateArray(), c => c.GetProperty("name").GetString() == "gateway" && c.GetProperty("status").GetString() == "Degraded");
        await EventuallyAsync(async db => await db.GatewayShards.AnyAsync(s => s.State == "stopped" && s.StoppedReason!.Contains("is not switched on")), "the stopped shard reported");
        Assert.Contains("Message Content intent is not switched on", System.Net.WebUtility.HtmlDecode(await AdminPageAsync()), StringComparison.Ordinal);
    }
}

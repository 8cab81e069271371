namespace ClipSaver.Tests.Gateway;

/// <summary>
/// The app with the live bot switched on, against the emulator (small world, no identify spacing in
/// the emulator), on a fresh database. Helpers wait for what the events bring.
/// </summary>
public abstract class GatewayAppTestBase : AppTestBase
{
    protected override WorldShape World => WorldShape.Small;

    protected override IReadOnlyDictionary<string, string?> Settings => GatewaySettings;

    /// <summary>The live bot on, with quick lease checks and short backoffs.</summary>
    public static Dictionary<string, string?> GatewaySettings => new()
    {
        ["ClipSaver:Gateway:Enabled"] = "true",
        ["ClipSaver:Gateway:LeaseInterval"] = "00:00:01",
        ["ClipSaver:Gateway:MinBackoff"] = "00:00:00.100",
        ["ClipSaver:Gateway:MaxBackoff"] = "00:00:02",
    };

    protected override void ConfigureEmulator(EmulatorOptions options) => ConfigureGateway(options);

    /// <summary>
    /// Heartbeats every 5 seconds, and identifies as fast as the client asks (the client still spaces them by its own
    /// rule). An ACK late by one interval marks a zombie: a shorter interval makes a stalled test machine look like one,
    /// and the extra resume breaks the tests that count resumes. The zombie test shortens it for itself.
    /// </summary>
    public static void ConfigureGateway(EmulatorOptions options)
    {
        options.Gateway.HeartbeatInterval = TimeSpan.FromSeconds(5);
        options.Gateway.MaxConcurrency = 16;
        options.Gateway.IdentifySpacing = TimeSpan.Zero;
    }

    protected EmulatedGuild ClipClub => DemoGuild("Clip Club");

    protected ulong Member => Discord.World.Members(ClipClub.Id).First(m => !m.User.Bot && m.User.Id != ClipClub.OwnerId).User.Id;

    /// <summary>Starts the app (and with it the Gateway) and waits until the guild's channels came in by GUILD_CREATE.</summary>
    protected async Task StartAsync()
    {
        _ = App.Services.GetRequiredService<GatewayService>();
        await EventuallyAsync(async db => await db.Channels.AnyAsync(c => c.GuildId == TestDiscord.Id(ClipClub.Id)), "the guild's channels from GUILD_CREATE");
    }

    /// <summary>Switches archiving on for a text channel of Clip Club (as the channels page does, without its first scan).</summary>
    protected async Task<EmulatedChannel> ArchiveAsync(EmulatedChannel? channel = null)
    {
        channel ??= Discord.World.Channels(ClipClub.Id).First(c => c.Type == 0);
        await using var db = Db.CreateContext();
        await db.Channels.Where(c => c.Id == TestDiscord.Id(channel.Id)).ExecuteUpdateAsync(s => s.SetProperty(c => c.IsReading, true));
        return channel;
    }

    protected static async Task EventuallyAsync(Func<bool> condition, string what, int seconds = 20)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < until, $"Waited {seconds} s for {what}.");
            await Task.Delay(100);
        }
    }

    protected ShardState Shard(int id = 0) => App.Services.GetRequiredService<GatewayService>().LocalShards.Single(s => s.ShardId == id);
}

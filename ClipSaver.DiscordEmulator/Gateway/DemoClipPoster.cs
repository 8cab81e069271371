namespace ClipSaver.DiscordEmulator.Gateway;

/// <summary>
/// Demo mode comes alive: a member posts a new clip every <see cref="GatewaySettings.DemoClipEvery"/> in the demo's
/// channel (by default the one demo mode archives: the first text channel of the first guild the bot is in).
/// </summary>
internal sealed class DemoClipPoster(EmulatorWorld world, EmulatorOptions options) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Gateway.DemoClipEvery!.Value, options.Clock);
        var posted = 0;
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var channel = options.Gateway.DemoChannelId is { } id ? world.Channel(id) : DefaultChannel();
            var author = channel is null ? null : world.Members(channel.GuildId).FirstOrDefault(m => !m.User.Bot)?.User;
            if (channel is null || author is null)
            {
                continue;
            }

            posted++;
            var name = string.Create(CultureInfo.InvariantCulture, $"live-clip-{posted:D3}.mp4");
            world.PostMessage(channel.Id, author.Id, "fresh from the match", new NewAttachment(name, 48_000 + (posted % 7 * 1_000), "video/mp4"));
        }
    }

    private EmulatedChannel? DefaultChannel()
    {
        var guild = world.Guilds.Where(g => g.BotPresent).OrderBy(g => g.Id).FirstOrDefault();
        return guild is null ? null : world.Channels(guild.Id).Where(c => c.Type == 0 && !c.Nsfw).OrderBy(c => c.Position).FirstOrDefault();
    }
}

namespace ClipSaver.Tests.Emulator;

/// <summary>An emulator on a free loopback port with a bot client, for one test.</summary>
public sealed class EmulatorTestHost : IAsyncDisposable
{
    private EmulatorTestHost(EmulatorHost host, EmulatorOptions options)
    {
        Host = host;
        Options = options;
        Bot = NewClient($"Bot {options.BotToken}");
    }

    public EmulatorHost Host { get; }

    public EmulatorOptions Options { get; }

    /// <summary>Sends the bot token and a User-Agent; relative URIs are under <c>/api/v10/</c>.</summary>
    public HttpClient Bot { get; }

    public EmulatorWorld World => Host.World;

    public EmulatedGuild ClipClub => World.Guilds.Single(g => g.Name == "Clip Club");

    public EmulatedChannel FirstTextChannel(ulong guildId) => World.Channels(guildId).First(c => c.Type == 0 && c.MessageCount > 0);

    public static async Task<EmulatorTestHost> StartAsync(Action<EmulatorOptions>? configure = null)
    {
        var options = new EmulatorOptions { World = WorldShape.Small };
        configure?.Invoke(options);
        return new EmulatorTestHost(await EmulatorHost.StartAsync(options), options);
    }

    public HttpClient NewClient(string? authorization, bool userAgent = true)
    {
        var client = new HttpClient { BaseAddress = new Uri(Host.ApiBaseUrl) };
        if (authorization is not null)
        {
            client.DefaultRequestHeaders.Authorization = AuthenticationHeaderValue.Parse(authorization);
        }

        if (userAgent)
        {
            client.DefaultRequestHeaders.UserAgent.ParseAdd("DiscordBot (https://example.org/clipsaver, 1.0)");
        }

        return client;
    }

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    public async ValueTask DisposeAsync()
    {
        Bot.Dispose();
        await Host.DisposeAsync();
    }
}

using System.Runtime.InteropServices;

namespace ClipSaver.DiscordEmulator;

/// <summary>
/// Runs the emulator on its own: <c>dotnet run --project ClipSaver.DiscordEmulator -- --Port 5090 --Seed 7</c>. The
/// world is <c>--World Demo|Small</c>, and any of its numbers can be set: <c>--Guilds 1 --Channels 100
/// --Messages 10000 --Members 50 --VideoShare 0.1 --EmbedShare 0 --ExtraChannels false --MinClipBytes 1000
/// --MaxClipBytes 16000</c>.
/// </summary>
internal static class Program
{
    public static async Task Main(string[] args)
    {
        var config = new ConfigurationBuilder()
            .AddEnvironmentVariables("EMULATOR_")
            .AddCommandLine(args)
            .Build();
        var options = new EmulatorOptions
        {
            Port = config.GetValue("Port", 5090),
            Seed = config.GetValue("Seed", 42),
            World = Shape(config, config.GetValue("World", "Demo") == "Small" ? WorldShape.Small : WorldShape.Demo),
        };
        options.ClientId = config["ClientId"] ?? options.ClientId;
        options.ClientSecret = config["ClientSecret"] ?? options.ClientSecret;
        options.BotToken = config["BotToken"] ?? options.BotToken;
        options.RateLimits.Enabled = config.GetValue("RateLimits", true);

        await using var host = await EmulatorHost.StartAsync(options);
        var output = Console.Out;
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"""
            Discord emulator listening on {host.BaseAddress}
              API:        {host.ApiBaseUrl}
              Authorize:  {host.AuthorizeUrl}
              Token:      {host.TokenUrl}
              CDN:        {host.CdnBaseUrl}
              Control:    {host.BaseAddress}_emulator/world
              Client id:  {options.ClientId}
              Secret:     {options.ClientSecret}
              Bot token:  {options.BotToken}
            Press Ctrl+C to stop.
            """));

        // Ctrl+C, or SIGTERM from a script or a service manager: both stop the host and end the process.
        var stopped = new TaskCompletionSource();
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stopped.TrySetResult();
        }

        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        await stopped.Task;
    }

    private static WorldShape Shape(IConfiguration config, WorldShape from) => new()
    {
        Guilds = config.GetValue("Guilds", from.Guilds),
        TextChannelsPerGuild = config.GetValue("Channels", from.TextChannelsPerGuild),
        MessagesPerChannel = config.GetValue("Messages", from.MessagesPerChannel),
        MembersPerGuild = config.GetValue("Members", from.MembersPerGuild),
        VideoShare = config.GetValue("VideoShare", from.VideoShare),
        EmbedShare = config.GetValue("EmbedShare", from.EmbedShare),
        ExtraChannels = config.GetValue("ExtraChannels", from.ExtraChannels),
        MinClipBytes = config.GetValue("MinClipBytes", from.MinClipBytes),
        MaxClipBytes = config.GetValue("MaxClipBytes", from.MaxClipBytes),
    };
}

using System.Globalization;

namespace ClipSaver.DiscordEmulator;

/// <summary>Runs the emulator on its own: <c>dotnet run --project ClipSaver.DiscordEmulator -- --Port 5090 --Seed 7</c>.</summary>
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
            World = config.GetValue("World", "Demo") == "Small" ? WorldShape.Small : WorldShape.Demo,
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

        var stopped = new TaskCompletionSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stopped.TrySetResult();
        };
        await stopped.Task;
    }
}

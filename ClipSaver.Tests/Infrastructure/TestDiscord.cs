namespace ClipSaver.Tests.Infrastructure;

/// <summary>The Discord emulator for one test, on a free port, and the app settings that point at it.</summary>
public static class TestDiscord
{
    public static Task<EmulatorHost> StartAsync(WorldShape? world = null, Action<EmulatorOptions>? configure = null)
    {
        var options = new EmulatorOptions { Seed = 42, World = world ?? WorldShape.Demo };
        configure?.Invoke(options);
        return EmulatorHost.StartAsync(options);
    }

    public static Dictionary<string, string?> Settings(EmulatorHost emulator, EmulatorOptions? options = null)
    {
        options ??= new EmulatorOptions();
        return new Dictionary<string, string?>
        {
            ["Discord:ApiBaseUrl"] = emulator.ApiBaseUrl,
            ["Discord:AuthorizeUrl"] = emulator.AuthorizeUrl,
            ["Discord:TokenUrl"] = emulator.TokenUrl,
            ["Discord:CdnBaseUrl"] = emulator.CdnBaseUrl,
            ["Discord:ClientId"] = options.ClientId,
            ["Discord:ClientSecret"] = options.ClientSecret,
            ["Discord:BotToken"] = options.BotToken,
            ["Discord:MaxRetries"] = "3",
        };
    }

    public static long Id(ulong id) => checked((long)id);
}

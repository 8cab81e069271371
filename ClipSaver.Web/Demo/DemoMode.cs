using ClipSaver.DiscordEmulator;

namespace ClipSaver.Web.Demo;

/// <summary>Section <c>ClipSaver:Demo</c>.</summary>
public sealed class DemoOptions
{
    public const string Section = "ClipSaver:Demo";

    /// <summary>Set by the app when it runs against its built-in emulator.</summary>
    public bool Active { get; set; }
}

/// <summary>
/// Demo mode: with no Discord credentials, outside Production, the app starts the Discord emulator inside itself with
/// a demo world and points every Discord setting at it. It never starts in Production or when credentials exist.
/// </summary>
public static class DemoMode
{
    public static bool ShouldStart(WebApplicationBuilder builder)
    {
        var discord = builder.Configuration.GetSection(DiscordOptions.Section).Get<DiscordOptions>() ?? new DiscordOptions();
        return !builder.Environment.IsProduction() && !discord.IsConfigured && builder.Configuration.GetValue("ClipSaver:Demo:Enabled", true);
    }

    /// <summary>
    /// Starts the emulator before the app is built (awaited, not blocked on): its address goes into the Discord
    /// settings that the rest of the registration and every client read, and it answers before the first request.
    /// </summary>
    public static async Task<WebApplicationBuilder> AddClipSaverDemoAsync(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<DemoOptions>().BindConfiguration(DemoOptions.Section);
        if (!ShouldStart(builder))
        {
            return builder;
        }

        var options = new EmulatorOptions
        {
            Port = builder.Configuration.GetValue("ClipSaver:Demo:EmulatorPort", 0),
            Seed = builder.Configuration.GetValue("ClipSaver:Demo:Seed", 42),
            World = WorldShape.Demo,
        };

        // Demo mode comes alive: a member posts a clip this often (00:00:00 switches it off), and the live bot brings it in.
        var clipEvery = builder.Configuration.GetValue("ClipSaver:Demo:ClipEvery", TimeSpan.FromSeconds(30));
        options.Gateway.DemoClipEvery = clipEvery > TimeSpan.Zero ? clipEvery : null;
        var emulator = await EmulatorHost.StartAsync(options);
        builder.Services.AddSingleton(emulator);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"{DiscordOptions.Section}:ApiBaseUrl"] = emulator.ApiBaseUrl,
            [$"{DiscordOptions.Section}:AuthorizeUrl"] = emulator.AuthorizeUrl,
            [$"{DiscordOptions.Section}:TokenUrl"] = emulator.TokenUrl,
            [$"{DiscordOptions.Section}:CdnBaseUrl"] = emulator.CdnBaseUrl,
            [$"{DiscordOptions.Section}:ClientId"] = options.ClientId,
            [$"{DiscordOptions.Section}:ClientSecret"] = options.ClientSecret,
            [$"{DiscordOptions.Section}:BotToken"] = options.BotToken,
            [$"{DemoOptions.Section}:Active"] = "true",
            // The demo owner may look at the operators' pages too.
            ["ClipSaver:Operators:0"] = DemoUsers.Owner.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        builder.Services.AddHostedService<DemoSeeder>();
        return builder;
    }
}

/// <summary>Brings the demo world into the database once the app runs: the bot's guilds, their channels, and one archived channel.</summary>
public sealed partial class DemoSeeder(IServiceScopeFactory scopes, ILogger<DemoSeeder> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ClipSaverDbContext>();
        await scope.ServiceProvider.GetRequiredService<GuildSync>().ReconcileAsync(stoppingToken);
        if (await db.Channels.AnyAsync(c => c.IsReading, stoppingToken))
        {
            return;
        }

        var first = await db.Channels.Where(c => c.Type == DiscordChannelTypes.GuildText && !c.Nsfw && c.DeletedAt == null)
            .OrderBy(c => c.GuildId).ThenBy(c => c.Position).Select(c => new { c.GuildId, c.Id }).FirstOrDefaultAsync(stoppingToken);
        if (first is not null)
        {
            await scope.ServiceProvider.GetRequiredService<ChannelArchiving>().SetAsync(ClipSaver.Core.Access.Actor.System, first.GuildId, first.Id, true, stoppingToken);
            LogSeeded(logger, first.Id);
        }
    }

    [LoggerMessage(LogLevel.Information, "Demo mode: archiving switched on for channel {ChannelId}.")]
    private static partial void LogSeeded(ILogger logger, long channelId);
}

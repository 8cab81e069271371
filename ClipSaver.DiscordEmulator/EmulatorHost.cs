using System.Net;
using ClipSaver.DiscordEmulator.Control;
using ClipSaver.DiscordEmulator.Gateway;
using ClipSaver.DiscordEmulator.OAuth;
using ClipSaver.DiscordEmulator.RateLimits;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace ClipSaver.DiscordEmulator;

/// <summary>A running emulator on 127.0.0.1: Discord's REST API, OAuth2, CDN, rate limits and faults.</summary>
public sealed class EmulatorHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private EmulatorHost(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
        World = app.Services.GetRequiredService<EmulatorWorld>();
        Stats = app.Services.GetRequiredService<EmulatorStats>();
        Faults = app.Services.GetRequiredService<FaultSettings>();
        Gateway = app.Services.GetRequiredService<GatewayHub>();
        Gateway.Payloads.BaseUrl = baseAddress.ToString();
    }

    /// <summary><c>http://127.0.0.1:port/</c></summary>
    public Uri BaseAddress { get; }

    public string ApiBaseUrl => $"{BaseAddress}api/v10/";

    public string AuthorizeUrl => $"{BaseAddress}oauth2/authorize";

    public string TokenUrl => $"{BaseAddress}api/oauth2/token";

    /// <summary>Root of the CDN: <c>avatars/</c>, <c>icons/</c>, <c>attachments/</c>.</summary>
    public string CdnBaseUrl => $"{BaseAddress}cdn/";

    public EmulatorWorld World { get; }

    public EmulatorStats Stats { get; }

    public FaultSettings Faults { get; }

    /// <summary>The Gateway's sessions, counters and faults.</summary>
    public GatewayHub Gateway { get; }

    /// <summary><c>ws://127.0.0.1:port/gateway</c></summary>
    public Uri GatewayUrl => new($"ws://{BaseAddress.Authority}{GatewayApi.Path}");

    public static async Task<EmulatorHost> StartAsync(EmulatorOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(EmulatorHost).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, options.Port));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(new EmulatorWorld(options));
        builder.Services.AddSingleton<EmulatorStats>();
        builder.Services.AddSingleton(new FaultSettings(options.Seed));
        builder.Services.AddSingleton<RateLimiter>();
        builder.Services.AddSingleton<OAuthStore>();
        builder.Services.AddSingleton<CdnSigner>();
        builder.Services.AddSingleton<GatewayPayloads>();
        builder.Services.AddSingleton(sp => new GatewayHub(sp.GetRequiredService<EmulatorWorld>(), options, sp.GetRequiredService<GatewayPayloads>()));
        if (options.Gateway.DemoClipEvery is not null)
        {
            builder.Services.AddHostedService<DemoClipPoster>();
        }

        var app = builder.Build();
        app.UseWebSockets();
        app.UseRouting();
        app.Use(ApiGate.InvokeAsync);
        app.MapBotApi();
        app.MapOAuthApi();
        app.MapCdnApi();
        app.MapControlApi();
        app.MapGatewayApi();
        app.MapGet("/", () => TypedResults.Text("Discord emulator for ClipSaver. Control API under /_emulator/world."));

        await app.StartAsync(ct);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new EmulatorHost(app, new Uri(address.EndsWith('/') ? address : address + "/"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

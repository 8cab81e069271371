using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ClipSaver.Core.Discord;

public static class DiscordClientSetup
{
    /// <summary>
    /// The REST and CDN clients, from <see cref="IHttpClientFactory"/>. Settings are read when a client is created, so
    /// that demo mode (which points them at the emulator) and tests can change them after registration.
    /// </summary>
    public static IServiceCollection AddDiscordClients(this IServiceCollection services)
    {
        services.AddOptions<DiscordOptions>().BindConfiguration(DiscordOptions.Section).ValidateSection(DiscordOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<DiscordRateLimitState>();
        services.AddHttpClient<DiscordRestClient>((sp, http) =>
            {
                var o = sp.GetRequiredService<IOptionsMonitor<DiscordOptions>>().CurrentValue;
                http.BaseAddress = new Uri(o.ApiBaseUrl.EndsWith('/') ? o.ApiBaseUrl : o.ApiBaseUrl + "/");
                http.Timeout = Timeout.InfiniteTimeSpan;
                http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bot", o.BotToken ?? "");
                http.DefaultRequestHeaders.UserAgent.ParseAdd(o.UserAgent);
            })
            .AddHttpMessageHandler(sp => new DiscordRateLimitHandler(
                sp.GetRequiredService<DiscordRateLimitState>(), sp.GetRequiredService<IOptionsMonitor<DiscordOptions>>(), sp.GetRequiredService<ILogger<DiscordRateLimitHandler>>()));
        services.AddHttpClient<DiscordCdnClient>((sp, http) =>
            {
                var o = sp.GetRequiredService<IOptionsMonitor<DiscordOptions>>().CurrentValue;
                http.Timeout = Timeout.InfiniteTimeSpan;
                http.DefaultRequestHeaders.UserAgent.ParseAdd(o.UserAgent);
            })
            .AddHttpMessageHandler(sp => new DiscordRateLimitHandler(
                sp.GetRequiredService<DiscordRateLimitState>(), sp.GetRequiredService<IOptionsMonitor<DiscordOptions>>(), sp.GetRequiredService<ILogger<DiscordRateLimitHandler>>(),
                applyRateLimits: false));
        return services;
    }
}

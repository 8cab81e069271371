using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace ClipSaver.Core.Discord;

public static partial class DiscordClientSetup
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
            .AddDiscordPipeline(applyRateLimits: true);
        services.AddHttpClient<DiscordCdnClient>((sp, http) =>
            {
                var o = sp.GetRequiredService<IOptionsMonitor<DiscordOptions>>().CurrentValue;
                http.Timeout = Timeout.InfiniteTimeSpan;
                http.DefaultRequestHeaders.UserAgent.ParseAdd(o.UserAgent);
            })
            // The CDN has no rate limits to speak of; its routes carry file names, so it keeps no buckets.
            .AddDiscordPipeline(applyRateLimits: false);
        return services;
    }

    /// <summary>
    /// Outermost, the library's retry: 5xx answers, dropped connections and timed-out attempts, with exponential backoff
    /// and jitter, up to <see cref="DiscordOptions.MaxRetries"/>; never a 429 or another 4xx. Each retry goes through
    /// <see cref="DiscordRateLimitHandler"/> again (bucket, global slot, 429s), and only the wire send inside it is
    /// timed, by the library's timeout (<see cref="DiscordOptions.RequestTimeout"/>), so that waiting for a rate-limit
    /// slot never counts as Discord being slow. A request marked <see cref="DiscordRateLimitHandler.SingleAttempt"/> is
    /// not retried and gets its own time limit. See docs/decisions/011-discord-client.md.
    /// </summary>
    private static IHttpClientBuilder AddDiscordPipeline(this IHttpClientBuilder client, bool applyRateLimits)
    {
        client.AddResilienceHandler("discord-retry", (pipeline, context) =>
        {
            var state = context.ServiceProvider.GetRequiredService<DiscordRateLimitState>();
            var logger = context.ServiceProvider.GetRequiredService<ILogger<DiscordRateLimitHandler>>();
            var maxRetries = context.GetOptions<DiscordOptions>().MaxRetries;
            context.EnableReloads<DiscordOptions>();
            pipeline.TimeProvider = state.Clock;
            if (maxRetries == 0)
            {
                return;
            }

            pipeline.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = maxRetries,
                BackoffType = DelayBackoffType.Exponential,
                Delay = TimeSpan.FromMilliseconds(250),
                MaxDelay = TimeSpan.FromSeconds(10),
                UseJitter = true,
                ShouldHandle = args => ValueTask.FromResult(!IsSingleAttempt(args.Context) && IsTransient(args.Outcome)),
                OnRetry = args =>
                {
                    var request = args.Context.GetRequestMessage();
                    var route = request?.RequestUri is { } uri ? DiscordRateLimitState.Describe(request.Method, uri).RouteKey : "?";
                    LogRetrying(logger, route, args.AttemptNumber + 1, args.RetryDelay.TotalMilliseconds);
                    state.CountRetry();
                    return ValueTask.CompletedTask;
                },
            });
        });
        client.AddHttpMessageHandler(sp => new DiscordRateLimitHandler(
            sp.GetRequiredService<DiscordRateLimitState>(), sp.GetRequiredService<IOptionsMonitor<DiscordOptions>>(), sp.GetRequiredService<ILogger<DiscordRateLimitHandler>>(),
            applyRateLimits));
        client.AddResilienceHandler("discord-attempt", (pipeline, context) =>
        {
            var options = context.ServiceProvider.GetRequiredService<IOptionsMonitor<DiscordOptions>>();
            pipeline.TimeProvider = context.ServiceProvider.GetRequiredService<DiscordRateLimitState>().Clock;
            pipeline.AddTimeout(new TimeoutStrategyOptions
            {
                TimeoutGenerator = args => ValueTask.FromResult(
                    args.Context.GetRequestMessage()?.Options.TryGetValue(DiscordRateLimitHandler.SingleAttempt, out var single) == true
                        ? single
                        : options.CurrentValue.RequestTimeout),
            });
        });
        return client;
    }

    private static bool IsSingleAttempt(ResilienceContext context) =>
        context.GetRequestMessage()?.Options.TryGetValue(DiscordRateLimitHandler.SingleAttempt, out _) == true;

    /// <summary>Worth another try: Discord failed (5xx), the connection dropped, or the attempt timed out. A 429 is not: the rate-limit handler waits it out.</summary>
    private static bool IsTransient(Outcome<HttpResponseMessage> outcome) => outcome switch
    {
        { Exception: HttpRequestException or TimeoutException } => true,
        { Result: { } response } => (int)response.StatusCode >= 500,
        _ => false,
    };

    [LoggerMessage(LogLevel.Warning, "Discord request {Route} failed (attempt {Attempt}); retrying in {WaitMs:0} ms.")]
    private static partial void LogRetrying(ILogger logger, string route, int attempt, double waitMs);
}

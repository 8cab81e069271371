using Polly.Timeout;

namespace ClipSaver.Core.Discord;

/// <summary>
/// Discord's rate limits in one place: waits before a request would exceed its bucket or the global limit, obeys a
/// 429's <c>retry_after</c> (and sends the request again), and counts invalid requests. The retries of 5xx answers,
/// dropped connections and timeouts, and the time limit of one attempt, are the resilience library's, around and
/// inside this handler (<see cref="DiscordClientSetup"/>). The CDN client uses it with rate limits off.
/// </summary>
public sealed partial class DiscordRateLimitHandler(DiscordRateLimitState state, IOptionsMonitor<DiscordOptions> options, ILogger<DiscordRateLimitHandler> logger, bool applyRateLimits = true)
    : DelegatingHandler
{
    private const int Max429Retries = 10;

    /// <summary>
    /// Set on a request that must be tried once, within the given time: no retries, and a 429 is returned rather than
    /// waited out (the readiness probe).
    /// </summary>
    public static readonly HttpRequestOptionsKey<TimeSpan> SingleAttempt = new("ClipSaver.Discord.SingleAttempt");

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var max429Retries = request.Options.TryGetValue(SingleAttempt, out _) ? 0 : Max429Retries;
        var (routeKey, major) = DiscordRateLimitState.Describe(request.Method, request.RequestUri!);
        var limited = 0;
        while (true)
        {
            var response = await SendWithinLimitsAsync(request, routeKey, major, cancellationToken);
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                state.CountInvalid();
            }

            if (response.StatusCode != HttpStatusCode.TooManyRequests)
            {
                return response;
            }

            var (wait, global, shared) = await ReadRetryAfterAsync(response, cancellationToken);
            state.Count429();
            if (!shared)
            {
                state.CountInvalid();
            }

            if (global)
            {
                state.PauseAll(wait);
            }

            if (++limited > max429Retries)
            {
                return response;
            }

            LogRateLimited(logger, routeKey, wait.TotalMilliseconds, global);
            response.Dispose();
            state.CountRetry();
            await Task.Delay(wait, state.Clock, cancellationToken);
        }
    }

    /// <summary>One send: in its bucket's turn, once the bucket and the global limit allow it; learns the limits from the answer.</summary>
    private async Task<HttpResponseMessage> SendWithinLimitsAsync(HttpRequestMessage request, string routeKey, string major, CancellationToken cancellationToken)
    {
        if (!applyRateLimits)
        {
            return await SendTimedAsync(request, cancellationToken);
        }

        var bucket = state.Rent(routeKey, major);
        try
        {
            await bucket.Gate.WaitAsync(cancellationToken);
            try
            {
                await WaitForCapacityAsync(bucket, options.CurrentValue, cancellationToken);
                HttpResponseMessage response;
                try
                {
                    response = await SendTimedAsync(request, cancellationToken);
                }
                finally
                {
                    state.ReleaseGlobal();
                }

                Learn(routeKey, major, bucket, response);
                return response;
            }
            finally
            {
                bucket.Gate.Release();
            }
        }
        finally
        {
            state.Return(bucket);
        }
    }

    /// <summary>The wire send, timed by the library's attempt timeout inside this handler; its verdict becomes a <see cref="TimeoutException"/>.</summary>
    private async Task<HttpResponseMessage> SendTimedAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await base.SendAsync(request, cancellationToken);
        }
        catch (TimeoutRejectedException e)
        {
            throw new TimeoutException($"Discord did not answer within {e.Timeout.TotalSeconds:0.#} seconds.", e);
        }
    }

    private async Task WaitForCapacityAsync(DiscordRateLimitState.Bucket bucket, DiscordOptions settings, CancellationToken cancellationToken)
    {
        // Several instances read the same remaining count (the token's): each sends only while at least one request
        // is left for every instance, so that all of them sending on the same answer still fit (decision 022).
        var now = state.Clock.GetUtcNow();
        if (bucket.Remaining is { } left && left < state.SharingInstances && bucket.ResetAt > now)
        {
            await Task.Delay(bucket.ResetAt - now, state.Clock, cancellationToken);
        }

        while (state.ReserveGlobal(settings.GlobalRequestsPerSecond) is { } wait && wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, state.Clock, cancellationToken);
        }
    }

    private void Learn(string routeKey, string major, DiscordRateLimitState.Bucket bucket, HttpResponseMessage response)
    {
        var headers = response.Headers;
        if (headers.TryGetValues("X-RateLimit-Bucket", out var hashes) && hashes.FirstOrDefault() is { } hash)
        {
            bucket = state.Learn(routeKey, major, hash, bucket);
        }

        if (headers.TryGetValues("X-RateLimit-Remaining", out var remaining)
            && int.TryParse(remaining.FirstOrDefault(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var left))
        {
            bucket.Remaining = left;
        }

        if (headers.TryGetValues("X-RateLimit-Reset-After", out var resetAfter)
            && double.TryParse(resetAfter.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            // A small margin: the header is rounded to milliseconds, and the request takes time to arrive.
            bucket.ResetAt = state.Clock.GetUtcNow() + TimeSpan.FromSeconds(seconds) + TimeSpan.FromMilliseconds(20);
        }
    }

    private static async Task<(TimeSpan Wait, bool Global, bool Shared)> ReadRetryAfterAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var scope = response.Headers.TryGetValues("X-RateLimit-Scope", out var scopes) ? scopes.FirstOrDefault() : null;
        var global = response.Headers.Contains("X-RateLimit-Global") || scope == "global";
        double? seconds = null;
        try
        {
            using var body = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
            if (body.RootElement.TryGetProperty("retry_after", out var retry) && retry.TryGetDouble(out var s))
            {
                seconds = s;
            }

            global |= body.RootElement.TryGetProperty("global", out var g) && g.ValueKind == JsonValueKind.True;
        }
        catch (JsonException)
        {
            // Fall back to the header.
        }

        if (seconds is null && response.Headers.RetryAfter?.Delta is { } delta)
        {
            seconds = delta.TotalSeconds;
        }

        return (TimeSpan.FromSeconds(Math.Max(0.05, seconds ?? 1)), global, scope == "shared");
    }

    [LoggerMessage(LogLevel.Information, "Discord rate limit on {Route}: waiting {WaitMs:0} ms (global: {Global}).")]
    private static partial void LogRateLimited(ILogger logger, string route, double waitMs, bool global);
}

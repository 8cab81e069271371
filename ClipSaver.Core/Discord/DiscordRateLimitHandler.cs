using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Polly.Timeout;

namespace ClipSaver.Core.Discord;

/// <summary>
/// What ClipSaver knows about Discord's rate limits, shared by every request of the process: which bucket a route
/// belongs to, each bucket's remaining requests and reset time (per major parameter), the global pause, and the
/// invalid-request count.
/// </summary>
/// <param name="clock">The clock of every wait and window.</param>
/// <param name="idleBucketLifetime">
/// A bucket nobody has used for this long, that no request holds and whose reset time has passed, is dropped
/// (<see cref="DefaultIdleBucketLifetime"/> when null): there is one per route and channel, and a long-running
/// process reads many channels once. A dropped bucket knows nothing Discord would hold against the next request:
/// its window is over, and a new bucket sends one request and learns the limits from the answer.
/// </param>
public sealed partial class DiscordRateLimitState(TimeProvider clock, TimeSpan? idleBucketLifetime = null)
{
    public static readonly TimeSpan DefaultIdleBucketLifetime = TimeSpan.FromMinutes(10);

    private readonly TimeSpan _idleLifetime = idleBucketLifetime ?? DefaultIdleBucketLifetime;
    private readonly Lock _bucketsLock = new();
    private readonly Dictionary<string, string> _bucketOfRoute = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);
    private DateTimeOffset _lastSweep;
    private readonly ConcurrentQueue<DateTimeOffset> _invalid = new();
    private readonly Lock _globalLock = new();
    private readonly Queue<DateTimeOffset> _recent = new();
    private DateTimeOffset _globalPauseUntil;
    private int _inFlight;
    private long _total429;
    private long _totalRetries;

    public TimeProvider Clock => clock;

    public long Total429 => Interlocked.Read(ref _total429);

    public long TotalRetries => Interlocked.Read(ref _totalRetries);

    /// <summary>Invalid requests (401, 403, 429 except scope shared) in the last ten minutes; Discord bans at 10,000.</summary>
    public int InvalidRequestsLast10Minutes
    {
        get
        {
            var cutoff = clock.GetUtcNow() - TimeSpan.FromMinutes(10);
            while (_invalid.TryPeek(out var oldest) && oldest < cutoff)
            {
                _invalid.TryDequeue(out _);
            }

            return _invalid.Count;
        }
    }

    /// <summary>True when the app should stop calling Discord for a while (far below Discord's ban threshold).</summary>
    public bool ShouldBackOff(int threshold = 1_000) => InvalidRequestsLast10Minutes >= threshold;

    internal void CountInvalid() => _invalid.Enqueue(clock.GetUtcNow());

    internal void Count429() => Interlocked.Increment(ref _total429);

    internal void CountRetry() => Interlocked.Increment(ref _totalRetries);

    /// <summary>Buckets kept (entries by route or by Discord's hash, per major parameter).</summary>
    public int BucketCount
    {
        get
        {
            lock (_bucketsLock)
            {
                return _buckets.Count;
            }
        }
    }

    /// <summary>
    /// The bucket for a request, held until <see cref="Return"/> (a held bucket is never dropped): learned from
    /// headers, or one per route until Discord names it.
    /// </summary>
    internal Bucket Rent(string routeKey, string majorParameter)
    {
        lock (_bucketsLock)
        {
            var now = clock.GetUtcNow();
            SweepIdle(now);
            var byRoute = "route:" + routeKey + "|" + majorParameter;
            Bucket? bucket;
            if (!_bucketOfRoute.TryGetValue(routeKey, out var hash))
            {
                bucket = GetOrAdd(byRoute, null);
            }
            else
            {
                // A request of this route and major parameter may already be under way in the per-route bucket from
                // before the hash was known: keep using that one, so that the two never run side by side.
                bucket = GetOrAdd(hash + "|" + majorParameter, _buckets.GetValueOrDefault(byRoute));
            }

            bucket.Users++;
            bucket.LastUsed = now;
            return bucket;
        }
    }

    /// <summary>The request is done with its bucket (answered, failed or cancelled).</summary>
    internal void Return(Bucket bucket)
    {
        lock (_bucketsLock)
        {
            bucket.Users--;
            bucket.LastUsed = clock.GetUtcNow();
        }
    }

    /// <summary>Records the bucket hash Discord named for a route; later requests of the route use that bucket.</summary>
    internal Bucket Learn(string routeKey, string majorParameter, string hash, Bucket current)
    {
        lock (_bucketsLock)
        {
            _bucketOfRoute[routeKey] = hash;
            var bucket = GetOrAdd(hash + "|" + majorParameter, current);
            bucket.LastUsed = clock.GetUtcNow();
            return bucket;
        }
    }

    private Bucket GetOrAdd(string key, Bucket? ifMissing)
    {
        if (!_buckets.TryGetValue(key, out var bucket))
        {
            bucket = ifMissing ?? new Bucket();
            _buckets[key] = bucket;
        }

        return bucket;
    }

    /// <summary>
    /// Drops buckets that no request holds, nobody used for the idle lifetime, and whose reset time has passed (a
    /// bucket still limiting stays, however long ago it was used). At most once per idle lifetime's tenth, so the
    /// walk costs little; the map holds the buckets of the last idle lifetime and no more.
    /// </summary>
    private void SweepIdle(DateTimeOffset now)
    {
        if (now - _lastSweep < _idleLifetime / 10)
        {
            return;
        }

        _lastSweep = now;
        var idleSince = now - _idleLifetime;
        List<string>? idle = null;
        foreach (var (key, bucket) in _buckets)
        {
            if (bucket.Users == 0 && bucket.LastUsed <= idleSince && bucket.ResetAt <= now)
            {
                (idle ??= []).Add(key);
            }
        }

        foreach (var key in idle ?? [])
        {
            _buckets.Remove(key);
        }
    }

    internal void PauseAll(TimeSpan wait)
    {
        lock (_globalLock)
        {
            var until = clock.GetUtcNow() + wait;
            if (until > _globalPauseUntil)
            {
                _globalPauseUntil = until;
            }
        }
    }

    /// <summary>
    /// How long to wait before one more request fits under the global limit and any global pause; reserves a slot
    /// when zero. A slot is held while the request is under way and for one second after its answer: Discord counts
    /// a request when it arrives, which is never after the answer, so no second of Discord's can see more requests
    /// than the limit, however long they travel.
    /// </summary>
    internal TimeSpan ReserveGlobal(int perSecond)
    {
        lock (_globalLock)
        {
            var now = clock.GetUtcNow();
            if (_globalPauseUntil > now)
            {
                return _globalPauseUntil - now;
            }

            while (_recent.Count > 0 && _recent.Peek() <= now - TimeSpan.FromSeconds(1))
            {
                _recent.Dequeue();
            }

            if (_inFlight + _recent.Count >= perSecond)
            {
                return _recent.Count > 0 ? _recent.Peek() + TimeSpan.FromSeconds(1) - now : TimeSpan.FromMilliseconds(10);
            }

            _inFlight++;
            return TimeSpan.Zero;
        }
    }

    /// <summary>The answer to a reserved request arrived (or it failed): its slot frees up one second from now.</summary>
    internal void ReleaseGlobal()
    {
        lock (_globalLock)
        {
            _inFlight--;
            _recent.Enqueue(clock.GetUtcNow());
        }
    }

    /// <summary>
    /// The route's key without its ids, except the major parameter (channel, guild, webhook id), which Discord limits
    /// separately: <c>GET channels/{id}/messages</c> with major <c>123</c>.
    /// </summary>
    public static (string RouteKey, string MajorParameter) Describe(HttpMethod method, Uri uri)
    {
        var path = uri.IsAbsoluteUri ? uri.AbsolutePath : uri.OriginalString.Split('?')[0];
        var api = path.IndexOf("/v10/", StringComparison.Ordinal);
        path = api >= 0 ? path[(api + 5)..] : path.TrimStart('/');
        var major = MajorParameter().Match(path);
        var template = Ids().Replace(path, "{id}");
        return ($"{method.Method} {template}", major.Success ? major.Groups[2].Value : "");
    }

    [GeneratedRegex(@"^(channels|guilds|webhooks)/(\d+)")]
    private static partial Regex MajorParameter();

    [GeneratedRegex(@"\d{5,}")]
    private static partial Regex Ids();

    /// <summary>One bucket for one major parameter: requests go one at a time, and wait when none remain.</summary>
    internal sealed class Bucket
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        /// <summary>Requests holding the bucket (guarded by the state's lock).</summary>
        public int Users { get; set; }

        public DateTimeOffset LastUsed { get; set; }

        public int? Remaining { get; set; }

        public DateTimeOffset ResetAt { get; set; }
    }
}

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
        var now = state.Clock.GetUtcNow();
        if (bucket.Remaining is <= 0 && bucket.ResetAt > now)
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

using System.Collections.Concurrent;
using System.Text.RegularExpressions;

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
/// <param name="budget">
/// This instance's share of the bot token's global limit (<see cref="SharedDiscordBudget"/> when several instances
/// share the token; the whole limit when null). The global part is in <c>DiscordRateLimitState.Global.cs</c>.
/// </param>
public sealed partial class DiscordRateLimitState(TimeProvider clock, TimeSpan? idleBucketLifetime = null, IDiscordRateBudget? budget = null)
{
    public static readonly TimeSpan DefaultIdleBucketLifetime = TimeSpan.FromMinutes(10);

    private readonly TimeSpan _idleLifetime = idleBucketLifetime ?? DefaultIdleBucketLifetime;
    private readonly Lock _bucketsLock = new();
    private readonly Dictionary<string, string> _bucketOfRoute = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);
    private DateTimeOffset _lastSweep;
    private readonly ConcurrentQueue<DateTimeOffset> _invalid = new();
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

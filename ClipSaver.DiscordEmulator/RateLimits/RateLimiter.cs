namespace ClipSaver.DiscordEmulator.RateLimits;

/// <summary>
/// Fixed windows per client: one global window per second, and one per bucket and major parameter (channel or guild
/// id), as Discord describes in topics/rate-limits. Several routes share a bucket; its hash stays the same per run.
/// </summary>
internal sealed class RateLimiter(EmulatorOptions options)
{
    private static readonly Dictionary<string, string> BucketOfRoute = new(StringComparer.Ordinal)
    {
        ["GET /users/@me"] = "me",
        ["GET /users/@me/guilds"] = "me",
        ["DELETE /users/@me/guilds/{guild_id}"] = "leave",
        ["GET /applications/@me"] = "application",
        ["GET /guilds/{guild_id}"] = "guild",
        ["GET /guilds/{guild_id}/roles"] = "guild",
        ["GET /guilds/{guild_id}/members"] = "members",
        ["GET /guilds/{guild_id}/members/{user_id}"] = "members",
        ["GET /guilds/{guild_id}/channels"] = "channels",
        ["GET /guilds/{guild_id}/threads/active"] = "threads",
        ["GET /channels/{channel_id}/threads/archived/public"] = "threads",
        ["GET /channels/{channel_id}/messages"] = "messages",
        ["GET /channels/{channel_id}/messages/{message_id}"] = "message",
    };

    private readonly Lock _gate = new();
    private readonly Dictionary<(string Client, string Bucket, string Major), Window> _windows = [];
    private readonly Dictionary<string, Window> _global = new(StringComparer.Ordinal);

    public static string BucketOf(string route) => BucketOfRoute.GetValueOrDefault(route, route);

    public static string Hash(string bucket) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("bucket:" + bucket)))[..32];

    public RateLimitDecision Check(string client, string route, string major)
    {
        var settings = options.RateLimits;
        var bucket = BucketOf(route);
        var limit = settings.For(bucket);
        var now = options.Clock.GetUtcNow();
        lock (_gate)
        {
            var global = Current(_global, client, now, TimeSpan.FromSeconds(1));
            _global[client] = global;
            if (global.Count >= settings.GlobalPerSecond)
            {
                return new RateLimitDecision("global", limit.Limit, 0, global.End, global.End - now, Hash(bucket));
            }

            var key = (client, bucket, major);
            var window = _windows.TryGetValue(key, out var existing) && existing.End > now ? existing : new Window(now + limit.Window, 0);
            if (window.Count >= limit.Limit)
            {
                _windows[key] = window;
                return new RateLimitDecision("user", limit.Limit, 0, window.End, window.End - now, Hash(bucket));
            }

            _global[client] = global with { Count = global.Count + 1 };
            _windows[key] = window with { Count = window.Count + 1 };
            return new RateLimitDecision(null, limit.Limit, limit.Limit - window.Count - 1, window.End, window.End - now, Hash(bucket));
        }
    }

    private static Window Current(Dictionary<string, Window> windows, string client, DateTimeOffset now, TimeSpan length) =>
        windows.TryGetValue(client, out var window) && window.End > now ? window : new Window(now + length, 0);

    private readonly record struct Window(DateTimeOffset End, int Count);
}

/// <summary>The outcome for one request; <see cref="Scope"/> is null when it may pass.</summary>
internal sealed record RateLimitDecision(string? Scope, int Limit, int Remaining, DateTimeOffset Reset, TimeSpan ResetAfter, string Bucket)
{
    public void WriteHeaders(IHeaderDictionary headers)
    {
        if (Scope != "global")
        {
            headers["X-RateLimit-Limit"] = Limit.ToString(CultureInfo.InvariantCulture);
            headers["X-RateLimit-Remaining"] = Remaining.ToString(CultureInfo.InvariantCulture);
            headers["X-RateLimit-Reset"] = (Reset.ToUnixTimeMilliseconds() / 1000.0).ToString("0.000", CultureInfo.InvariantCulture);
            headers["X-RateLimit-Reset-After"] = ResetAfter.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture);
            headers["X-RateLimit-Bucket"] = Bucket;
        }

        if (Scope is not null)
        {
            headers.RetryAfter = Math.Ceiling(ResetAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            headers["X-RateLimit-Scope"] = Scope;
            if (Scope == "global")
            {
                headers["X-RateLimit-Global"] = "true";
            }
        }
    }
}

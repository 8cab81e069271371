namespace ClipSaver.DiscordEmulator;

/// <summary>What each client (bot token or bearer token) did: requests, 429s by scope, invalid requests, per route.</summary>
public sealed class EmulatorStats
{
    private readonly ConcurrentDictionary<string, Counters> _clients = new(StringComparer.Ordinal);

    /// <summary>Tokens seen so far (a request without a usable token counts under <c>anonymous</c>).</summary>
    public IReadOnlyCollection<string> Clients => [.. _clients.Keys];

    /// <summary>The counts for one token; zeros for a token never seen.</summary>
    public ClientStats For(string token) =>
        _clients.TryGetValue(token, out var counters) ? counters.Snapshot() : new ClientStats(0, 0, 0, 0, 0, new Dictionary<string, long>());

    public void Reset() => _clients.Clear();

    internal void Record(string client, string route, int status, string? rateLimitScope)
    {
        var counters = _clients.GetOrAdd(client, _ => new Counters());
        lock (counters)
        {
            counters.Requests++;
            counters.ByRoute[route] = counters.ByRoute.GetValueOrDefault(route) + 1;
            switch (rateLimitScope)
            {
                case "user": counters.RateLimitedUser++; break;
                case "global": counters.RateLimitedGlobal++; break;
                case "shared": counters.RateLimitedShared++; break;
            }

            // Discord counts 401, 403 and 429 (except scope "shared") towards the invalid-request limit.
            if (status is 401 or 403 || (status == 429 && rateLimitScope != "shared"))
            {
                counters.InvalidRequests++;
            }
        }
    }

    private sealed class Counters
    {
        public long Requests { get; set; }
        public long RateLimitedUser { get; set; }
        public long RateLimitedGlobal { get; set; }
        public long RateLimitedShared { get; set; }
        public long InvalidRequests { get; set; }
        public Dictionary<string, long> ByRoute { get; } = new(StringComparer.Ordinal);

        public ClientStats Snapshot()
        {
            lock (this)
            {
                return new(Requests, RateLimitedUser, RateLimitedGlobal, RateLimitedShared, InvalidRequests, new Dictionary<string, long>(ByRoute, StringComparer.Ordinal));
            }
        }
    }
}

/// <summary>Counts for one client. Routes are named <c>METHOD /template</c>, e.g. <c>GET /channels/{channel_id}/messages</c>.</summary>
public sealed record ClientStats(
    long Requests,
    long RateLimitedUser,
    long RateLimitedGlobal,
    long RateLimitedShared,
    long InvalidRequests,
    IReadOnlyDictionary<string, long> RequestsByRoute)
{
    public long RateLimited => RateLimitedUser + RateLimitedGlobal + RateLimitedShared;
}

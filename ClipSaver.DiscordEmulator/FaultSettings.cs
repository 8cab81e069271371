namespace ClipSaver.DiscordEmulator;

/// <summary>
/// Faults on demand, per route pattern: a share of 500/502 answers, added latency, dropped connections. Draws come
/// from one generator seeded with the emulator's seed, so a single-threaded test sees the same sequence every run.
/// </summary>
public sealed class FaultSettings
{
    private readonly Lock _gate = new();
    private readonly List<FaultRule> _rules = [];
    private Random _random;

    internal FaultSettings(int seed) => _random = new Random(seed);

    public IReadOnlyList<FaultRule> Rules
    {
        get
        {
            lock (_gate)
            {
                return [.. _rules];
            }
        }
    }

    /// <summary>Adds a rule; a malformed one is refused with an <see cref="ArgumentException"/> saying what is wrong.</summary>
    public void Add(FaultRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        if (rule.Problem() is { } problem)
        {
            throw new ArgumentException(problem);
        }

        lock (_gate)
        {
            _rules.Add(rule);
        }
    }

    /// <summary>Removes every rule and restarts the draws from <paramref name="seed"/>.</summary>
    public void Clear(int seed = 42)
    {
        lock (_gate)
        {
            _rules.Clear();
            _random = new Random(seed);
        }
    }

    internal FaultDecision Decide(string route)
    {
        lock (_gate)
        {
            var delay = TimeSpan.Zero;
            foreach (var rule in _rules.Where(r => r.Matches(route)))
            {
                delay += rule.Delay;
                if (rule.DropShare > 0 && NextDouble() < rule.DropShare)
                {
                    return new FaultDecision(delay, null, Drop: true);
                }

                if (rule.ErrorShare > 0 && NextDouble() < rule.ErrorShare)
                {
                    return new FaultDecision(delay, rule.ErrorStatus, Drop: false);
                }
            }

            return new FaultDecision(delay, null, Drop: false);
        }
    }

#pragma warning disable CA5394 // Faults need repeatable draws, not secrecy.
    private double NextDouble() => _random.NextDouble();
#pragma warning restore CA5394
}

/// <summary>
/// A fault for the routes matching <see cref="RoutePattern"/>: <c>*</c>, an exact route such as
/// <c>GET /channels/{channel_id}/messages</c> (the method may be left out), or a prefix ending in <c>*</c>.
/// </summary>
public sealed record FaultRule(string RoutePattern, double ErrorShare = 0, int ErrorStatus = 500, TimeSpan Delay = default, double DropShare = 0)
{
    /// <summary>What is wrong with the rule, or null. A rule is checked once, when added, so that matching never fails.</summary>
    public string? Problem() =>
        string.IsNullOrWhiteSpace(RoutePattern) ? "route_pattern is required: '*', a route such as 'GET /channels/{channel_id}/messages', or a prefix ending in '*'."
        : !(ErrorShare is >= 0 and <= 1) ? "error_share must be between 0 and 1."
        : !(DropShare is >= 0 and <= 1) ? "drop_share must be between 0 and 1."
        : ErrorStatus is < 400 or > 599 ? "error_status must be an HTTP error status (400 to 599)."
        : Delay < TimeSpan.Zero || Delay > TimeSpan.FromMinutes(5) ? "delay must be between 00:00:00 and 00:05:00."
        : null;

    internal bool Matches(string route)
    {
        var path = route[(route.IndexOf(' ', StringComparison.Ordinal) + 1)..];
        return RoutePattern == "*"
            || RoutePattern == route
            || RoutePattern == path
            || (RoutePattern.EndsWith('*') && (route.StartsWith(RoutePattern[..^1], StringComparison.Ordinal) || path.StartsWith(RoutePattern[..^1], StringComparison.Ordinal)));
    }
}

internal sealed record FaultDecision(TimeSpan Delay, int? Status, bool Drop);

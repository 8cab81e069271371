namespace ClipSaver.Core.Gateway;

// docs: events/gateway.mdx, "Get Gateway Bot" and "Session Start Limit Object".

/// <summary>Where to connect, how many shards Discord recommends, and how many sessions may still start.</summary>
public sealed record DiscordGatewayBot(string Url, int Shards, DiscordSessionStartLimit SessionStartLimit);

/// <summary><c>reset_after</c> is in milliseconds.</summary>
public sealed record DiscordSessionStartLimit(int Total, int Remaining, long ResetAfter, int MaxConcurrency);

namespace ClipSaver.DiscordEmulator;

/// <summary>How the emulator starts: where it listens, which world it builds, who may talk to it, and its limits.</summary>
public sealed class EmulatorOptions
{
    /// <summary>0 picks a free port on 127.0.0.1.</summary>
    public int Port { get; set; }

    public int Seed { get; set; } = 42;

    public WorldShape World { get; set; } = WorldShape.Demo;

    public string ClientId { get; set; } = "100000000000000001";

    public string ClientSecret { get; set; } = "emulator-secret";

    public string BotToken { get; set; } = "emulator-bot-token";

    /// <summary>Allowed OAuth2 redirect URIs. Empty allows any http(s) URI on localhost, 127.0.0.1 or [::1].</summary>
    public IList<string> RedirectUris { get; } = [];

    /// <summary>How long a signed attachment URL stays valid (Discord: about a day).</summary>
    public TimeSpan CdnUrlLifetime { get; set; } = TimeSpan.FromHours(24);

    public RateLimitSettings RateLimits { get; set; } = new();

    public Gateway.GatewaySettings Gateway { get; set; } = new();

    public TimeProvider Clock { get; set; } = TimeProvider.System;
}

/// <summary>The size of the generated world. Messages are computed on demand, so channels may hold millions.</summary>
public sealed class WorldShape
{
    public int Guilds { get; init; } = 3;

    public int TextChannelsPerGuild { get; init; } = 4;

    public long MessagesPerChannel { get; init; } = 400;

    public int MembersPerGuild { get; init; } = 25;

    /// <summary>Share of generated messages that carry a video attachment.</summary>
    public double VideoShare { get; init; } = 0.3;

    /// <summary>Share of generated messages that carry a video embed (a link to an external host).</summary>
    public double EmbedShare { get; init; } = 0.1;

    /// <summary>Threads, an announcement channel, a voice channel, a forum and a stage channel besides the text channels.</summary>
    public bool ExtraChannels { get; init; } = true;

    public long MinClipBytes { get; init; } = 20_000;

    public long MaxClipBytes { get; init; } = 1_000_000;

    /// <summary>For demos: three guilds, a few hundred messages per channel, clips up to about 1 MB.</summary>
    public static WorldShape Demo { get; } = new();

    /// <summary>For tests: two guilds, small channels, small clips.</summary>
    public static WorldShape Small { get; } = new()
    {
        Guilds = 2,
        TextChannelsPerGuild = 2,
        MessagesPerChannel = 120,
        MembersPerGuild = 8,
        VideoShare = 0.5,
        MinClipBytes = 1_000,
        MaxClipBytes = 64_000,
    };
}

/// <summary>
/// Rate limits as Discord applies them: a fixed window per bucket (route group + major parameter) and client, and a
/// global per-second limit per client. The defaults are Discord-like but quick enough for a demo; see
/// docs/decisions/010-discord-emulator.md.
/// </summary>
public sealed class RateLimitSettings
{
    public bool Enabled { get; set; } = true;

    /// <summary>Requests per second per token over all routes (Discord: 50 for a bot).</summary>
    public int GlobalPerSecond { get; set; } = 50;

    /// <summary>The limit of a bucket without an entry in <see cref="Buckets"/>.</summary>
    public BucketLimit Default { get; set; } = new(10, TimeSpan.FromSeconds(1));

    /// <summary>Limits by bucket name (<c>messages</c>, <c>message</c>, <c>guild</c>, <c>members</c>, <c>channels</c>, <c>threads</c>, <c>me</c>, <c>leave</c>, <c>application</c>). Only <c>/api/v10</c> is limited.</summary>
    public IDictionary<string, BucketLimit> Buckets { get; } = new Dictionary<string, BucketLimit>(StringComparer.Ordinal)
    {
        ["messages"] = new(20, TimeSpan.FromSeconds(1)),
        ["leave"] = new(5, TimeSpan.FromSeconds(5)),
    };

    public BucketLimit For(string bucket) => Buckets.TryGetValue(bucket, out var limit) ? limit : Default;
}

public sealed record BucketLimit(int Limit, TimeSpan Window);

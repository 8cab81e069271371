namespace ClipSaver.Core.Discord;

/// <summary>Where Discord is and who we are to it (section <c>Discord</c>).</summary>
public sealed class DiscordOptions
{
    public const string Section = "Discord";

    /// <summary>The REST API root, ending in <c>/api/v10/</c>.</summary>
    [Required]
    [Url]
    public string ApiBaseUrl { get; set; } = "https://discord.com/api/v10/";

    [Required]
    [Url]
    public string AuthorizeUrl { get; set; } = "https://discord.com/oauth2/authorize";

    [Required]
    [Url]
    public string TokenUrl { get; set; } = "https://discord.com/api/oauth2/token";

    /// <summary>Root of unsigned CDN paths (avatars, guild icons).</summary>
    [Required]
    [Url]
    public string CdnBaseUrl { get; set; } = "https://cdn.discordapp.com/";

    public string? BotToken { get; set; }
    public string? ClientId { get; set; }
    public string? ClientSecret { get; set; }

    /// <summary>Discord asks every client for <c>DiscordBot ($url, $version)</c>.</summary>
    [Required]
    public string UserAgent { get; set; } = "DiscordBot (https://github.com/clipsaver/clipsaver, 1.0)";

    /// <summary>How often a 5xx, a timeout or a dropped connection is retried before the call fails.</summary>
    [Range(0, 20)]
    public int MaxRetries { get; set; } = 5;

    /// <summary>One attempt's time limit.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Global request limit per second for the bot (Discord: 50).</summary>
    [Range(1, 10_000)]
    public int GlobalRequestsPerSecond { get; set; } = 50;

    /// <summary>
    /// The readiness probe's time limit for Discord: one attempt, no retries. Discord being slow or down makes the
    /// instance Degraded, never unready (docs/decisions/011-discord-client.md).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan HealthCheckTimeout { get; set; } = TimeSpan.FromSeconds(3);

    public bool IsConfigured => !string.IsNullOrWhiteSpace(ClientId) && !string.IsNullOrWhiteSpace(ClientSecret) && !string.IsNullOrWhiteSpace(BotToken);

    /// <summary>The credential keys that are not set, by their configuration names.</summary>
    public IReadOnlyList<string> MissingCredentials() =>
    [
        .. new[] { (nameof(ClientId), ClientId), (nameof(ClientSecret), ClientSecret), (nameof(BotToken), BotToken) }
            .Where(c => string.IsNullOrWhiteSpace(c.Item2)).Select(c => $"{Section}:{c.Item1}"),
    ];
}

/// <summary>
/// Production talks to the real Discord: without credentials it would start, show a login that Discord refuses and
/// fail every bot call with 401. It refuses to start instead, naming the missing keys in one message.
/// </summary>
public sealed class DiscordCredentialsRequired : IValidateOptions<DiscordOptions>
{
    public ValidateOptionsResult Validate(string? name, DiscordOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var missing = options.MissingCredentials();
        return missing.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"Discord credentials are missing: {string.Join(", ", missing)}. Production needs {Section}:ClientId, {Section}:ClientSecret and "
                + $"{Section}:BotToken (environment variables {Section}__ClientId, {Section}__ClientSecret, {Section}__BotToken) from the application "
                + "in Discord's developer portal. Outside Production, leave all three out to run against the built-in emulator (demo mode).");
    }

    private const string Section = DiscordOptions.Section;
}

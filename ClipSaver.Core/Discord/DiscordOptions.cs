using System.ComponentModel.DataAnnotations;

namespace ClipSaver.Core.Discord;

/// <summary>Where Discord is and who we are to it (section <c>Discord</c>).</summary>
public sealed class DiscordOptions
{
    public const string Section = "Discord";

    /// <summary>The REST API root, ending in <c>/api/v10/</c>.</summary>
    [Required]
    public string ApiBaseUrl { get; set; } = "https://discord.com/api/v10/";

    public string AuthorizeUrl { get; set; } = "https://discord.com/oauth2/authorize";
    public string TokenUrl { get; set; } = "https://discord.com/api/oauth2/token";

    /// <summary>Root of unsigned CDN paths (avatars, guild icons).</summary>
    public string CdnBaseUrl { get; set; } = "https://cdn.discordapp.com/";

    public string? BotToken { get; set; }
    public string? ClientId { get; set; }
    public string? ClientSecret { get; set; }

    /// <summary>Discord asks every client for <c>DiscordBot ($url, $version)</c>.</summary>
    public string UserAgent { get; set; } = "DiscordBot (https://github.com/clipsaver/clipsaver, 1.0)";

    /// <summary>How often a 5xx, a timeout or a dropped connection is retried before the call fails.</summary>
    [Range(0, 20)]
    public int MaxRetries { get; set; } = 5;

    /// <summary>One attempt's time limit.</summary>
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
}

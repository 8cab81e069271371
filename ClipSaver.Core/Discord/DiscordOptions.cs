namespace ClipSaver.Core.Discord;

/// <summary>Placeholder until the REST client lands; the client's own options replace this file.</summary>
public sealed class DiscordOptions
{
    public const string Section = "Discord";

    public string ApiBaseUrl { get; set; } = "https://discord.com/api/v10/";
    public string AuthorizeUrl { get; set; } = "https://discord.com/oauth2/authorize";
    public string TokenUrl { get; set; } = "https://discord.com/api/oauth2/token";
    public string? BotToken { get; set; }
    public string? ClientId { get; set; }
    public string? ClientSecret { get; set; }

    public bool IsConfigured => !string.IsNullOrWhiteSpace(ClientId) && !string.IsNullOrWhiteSpace(ClientSecret) && !string.IsNullOrWhiteSpace(BotToken);
}

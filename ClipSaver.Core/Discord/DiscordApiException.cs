namespace ClipSaver.Core.Discord;

/// <summary>Discord answered with an error: the HTTP status and Discord's JSON error code (10003, 50001, ...).</summary>
public sealed class DiscordApiException(HttpStatusCode status, int? code, string message, string route)
    : Exception($"Discord answered {(int)status} ({code?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "no code"}) to {route}: {message}")
{
    public const int UnknownChannel = 10003;
    public const int UnknownGuild = 10004;
    public const int UnknownMember = 10007;
    public const int UnknownMessage = 10008;
    public const int MissingAccess = 50001;
    public const int MissingPermissions = 50013;

    public HttpStatusCode Status { get; } = status;
    public int? Code { get; } = code;
    public string DiscordMessage { get; } = message;
    public string Route { get; } = route;

    public bool IsNotFound => Status == HttpStatusCode.NotFound;

    /// <summary>The bot cannot see this resource (403 or 50001) or it is gone (404): a sign the bot may have been removed.</summary>
    public bool IsAccessLost => Status is HttpStatusCode.Forbidden or HttpStatusCode.NotFound || Code is MissingAccess or UnknownGuild;
}

namespace ClipSaver.DiscordEmulator.OAuth;

/// <summary>The parameters of <c>/oauth2/authorize</c> (query on GET, form on POST) and their checks.</summary>
internal sealed record AuthorizeRequest(
    string? ClientId,
    string? RedirectUri,
    string? ResponseType,
    string Scope,
    string? State,
    string? CodeChallenge,
    string? CodeChallengeMethod,
    ulong? GuildId,
    bool DisableGuildSelect,
    string? Permissions,
    string? Prompt)
{
    private static readonly HashSet<string> KnownScopes = new(["identify", "email", "guilds", "guilds.members.read", "bot", "applications.commands", "connections"], StringComparer.Ordinal);

    public static readonly string[] Fields =
        ["client_id", "redirect_uri", "response_type", "scope", "state", "code_challenge", "code_challenge_method", "guild_id", "disable_guild_select", "permissions", "prompt"];

    public IReadOnlyList<string> Scopes => Scope.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    public bool IsBotInstall => Scopes.Contains("bot");

    /// <summary>Reads the parameters; an empty value counts as absent (forms send empty hidden fields).</summary>
    public static AuthorizeRequest From(Func<string, string?> read)
    {
        string? get(string name) => string.IsNullOrEmpty(read(name)) ? null : read(name);
        return new(
        get("client_id"),
        get("redirect_uri"),
        get("response_type"),
        get("scope")?.Replace('+', ' ') ?? "",
        get("state"),
        get("code_challenge"),
        get("code_challenge_method"),
        ulong.TryParse(get("guild_id"), NumberStyles.None, CultureInfo.InvariantCulture, out var guild) ? guild : null,
        string.Equals(get("disable_guild_select"), "true", StringComparison.OrdinalIgnoreCase),
        get("permissions"),
        get("prompt"));
    }

    public string? Get(string field) => field switch
    {
        "client_id" => ClientId,
        "redirect_uri" => RedirectUri,
        "response_type" => ResponseType,
        "scope" => Scope,
        "state" => State,
        "code_challenge" => CodeChallenge,
        "code_challenge_method" => CodeChallengeMethod,
        "guild_id" => GuildId?.ToString(CultureInfo.InvariantCulture),
        "disable_guild_select" => DisableGuildSelect ? "true" : null,
        "permissions" => Permissions,
        "prompt" => Prompt,
        _ => null,
    };

    /// <summary>A problem that must be shown as a page, because the redirect URI cannot be trusted.</summary>
    public string? PageError(EmulatorOptions options)
    {
        if (!string.Equals(ClientId, options.ClientId, StringComparison.Ordinal))
        {
            return "Unknown application (client_id).";
        }

        if (RedirectUri is null)
        {
            return IsBotInstall && Scopes.Count == 1 ? null : "A redirect_uri is required.";
        }

        return IsAllowedRedirect(options, RedirectUri) ? null : "Invalid OAuth2 redirect_uri.";
    }

    /// <summary>A problem reported back to the client as <c>error=</c> on the redirect URI (RFC 6749 §4.1.2.1).</summary>
    public string? RedirectError()
    {
        if (RedirectUri is null)
        {
            return null;
        }

        if (ResponseType != "code")
        {
            return "unsupported_response_type";
        }

        if (Scopes.Count == 0 || !Scopes.All(KnownScopes.Contains))
        {
            return "invalid_scope";
        }

        return CodeChallenge is not null && CodeChallengeMethod != "S256" ? "invalid_request" : null;
    }

    public string RedirectWith(params (string Name, string? Value)[] parameters)
    {
        var query = string.Join('&', parameters.Where(p => p.Value is not null).Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value!)}"));
        return RedirectUri + (RedirectUri!.Contains('?', StringComparison.Ordinal) ? "&" : "?") + query;
    }

    private static bool IsAllowedRedirect(EmulatorOptions options, string redirectUri)
    {
        if (options.RedirectUris.Count > 0)
        {
            return options.RedirectUris.Contains(redirectUri, StringComparer.Ordinal);
        }

        return Uri.TryCreate(redirectUri, UriKind.Absolute, out var uri)
            && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            && uri.IsLoopback;
    }
}

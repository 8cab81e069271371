namespace ClipSaver.DiscordEmulator.OAuth;

internal sealed record AuthorizationCode(ulong UserId, string? RedirectUri, string Scope, string? CodeChallenge, DateTimeOffset ExpiresAt);

internal sealed record Grant(ulong UserId, string Scope, DateTimeOffset ExpiresAt);

/// <summary>Codes (single use, ten minutes), access tokens (a week) and refresh tokens (rotated on use).</summary>
internal sealed class OAuthStore(EmulatorOptions options)
{
    public static readonly TimeSpan CodeLifetime = TimeSpan.FromMinutes(10);
    public static readonly TimeSpan AccessTokenLifetime = TimeSpan.FromDays(7);

    private readonly ConcurrentDictionary<string, AuthorizationCode> _codes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Grant> _accessTokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Grant> _refreshTokens = new(StringComparer.Ordinal);

    public string IssueCode(ulong userId, string? redirectUri, string scope, string? codeChallenge)
    {
        var code = NewSecret();
        _codes[code] = new AuthorizationCode(userId, redirectUri, scope, codeChallenge, options.Clock.GetUtcNow() + CodeLifetime);
        return code;
    }

    /// <summary>Takes the code out (so a second use fails even when the first one was refused later).</summary>
    public AuthorizationCode? RedeemCode(string code) =>
        _codes.TryRemove(code, out var found) && found.ExpiresAt > options.Clock.GetUtcNow() ? found : null;

    public (string AccessToken, string RefreshToken) IssueTokens(ulong userId, string scope)
    {
        var access = NewSecret();
        var refresh = NewSecret();
        _accessTokens[access] = new Grant(userId, scope, options.Clock.GetUtcNow() + AccessTokenLifetime);
        _refreshTokens[refresh] = new Grant(userId, scope, DateTimeOffset.MaxValue);
        return (access, refresh);
    }

    public Grant? RedeemRefreshToken(string token) => _refreshTokens.TryRemove(token, out var grant) ? grant : null;

    public Grant? FindAccessToken(string token) =>
        _accessTokens.TryGetValue(token, out var grant) && grant.ExpiresAt > options.Clock.GetUtcNow() ? grant : null;

    private static string NewSecret() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');
}

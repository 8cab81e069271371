using Microsoft.AspNetCore.Http.HttpResults;

namespace ClipSaver.DiscordEmulator.OAuth;

/// <summary>OAuth2 as Discord does it (docs: topics/oauth2): authorization code with PKCE, refresh, bot install.</summary>
internal static class OAuthApi
{
    public static void MapOAuthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/oauth2/authorize", Authorize);
        app.MapPost("/oauth2/authorize", ConsentAsync);
        app.MapPost("/api/oauth2/token", TokenAsync);
    }

    private static IResult Authorize(HttpContext context, EmulatorOptions options, EmulatorWorld world)
    {
        context.Response.Headers.ContentSecurityPolicy = ConsentPage.ContentSecurityPolicy;
        var request = AuthorizeRequest.From(name => context.Request.Query.TryGetValue(name, out var v) ? v.ToString() : null);
        if (request.PageError(options) is { } pageError)
        {
            return ConsentPage.Message("Invalid authorization request", pageError, 400);
        }

        return request.RedirectError() is { } error
            ? TypedResults.Redirect(request.RedirectWith(("error", error), ("state", request.State)))
            : ConsentPage.Render(request, world);
    }

    private static async Task<IResult> ConsentAsync(HttpContext context, EmulatorOptions options, EmulatorWorld world, OAuthStore store)
    {
        context.Response.Headers.ContentSecurityPolicy = ConsentPage.ContentSecurityPolicy;
        if (!context.Request.HasFormContentType)
        {
            return ConsentPage.Message("Invalid authorization request", "Expected a form.", 400);
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var request = AuthorizeRequest.From(name => form.TryGetValue(name, out var v) ? v.ToString() : null);
        if (request.PageError(options) is { } pageError)
        {
            return ConsentPage.Message("Invalid authorization request", pageError, 400);
        }

        if (request.RedirectError() is { } error)
        {
            return TypedResults.Redirect(request.RedirectWith(("error", error), ("state", request.State)));
        }

        if (form.ContainsKey("cancel"))
        {
            return TypedResults.Redirect(request.RedirectWith(("error", "access_denied"), ("error_description", "The resource owner or authorization server denied the request"), ("state", request.State)));
        }

        if (!ulong.TryParse(form["user_id"], NumberStyles.None, CultureInfo.InvariantCulture, out var userId) || world.User(userId) is null)
        {
            return ConsentPage.Message("Invalid authorization request", "Pick a user.", 400);
        }

        if (request.IsBotInstall)
        {
            var guild = ConsentPage.ManageableGuilds(world, userId, request).FirstOrDefault(g => g.Id == request.GuildId);
            if (guild is null)
            {
                return ConsentPage.Message("Invalid authorization request", "That user cannot add the bot to that guild.", 400);
            }

            ulong.TryParse(request.Permissions, NumberStyles.None, CultureInfo.InvariantCulture, out var permissions);
            world.AddBotToGuild(guild.Id, permissions);
            if (request.RedirectUri is null)
            {
                return ConsentPage.Message("Authorized", $"ClipSaver was added to {guild.Name}.", 200);
            }
        }

        var code = store.IssueCode(userId, request.RedirectUri, request.Scope, request.CodeChallenge);
        var guildId = request.IsBotInstall ? request.GuildId?.ToString(CultureInfo.InvariantCulture) : null;
        var grantedPermissions = request.IsBotInstall ? request.Permissions ?? "0" : null;
        return TypedResults.Redirect(request.RedirectWith(("code", code), ("state", request.State), ("guild_id", guildId), ("permissions", grantedPermissions)));
    }

    private static async Task<IResult> TokenAsync(HttpContext context, EmulatorOptions options, OAuthStore store)
    {
        if (!context.Request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) ?? true)
        {
            return TokenError("invalid_request", "The body must be application/x-www-form-urlencoded.", 415);
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var (clientId, clientSecret) = ClientCredentials(context.Request, form);
        if (!string.Equals(clientId, options.ClientId, StringComparison.Ordinal) || !string.Equals(clientSecret, options.ClientSecret, StringComparison.Ordinal))
        {
            return TokenError("invalid_client", null, 401);
        }

        switch (form["grant_type"].ToString())
        {
            case "authorization_code":
                var code = store.RedeemCode(form["code"].ToString());
                if (code is null
                    || (code.RedirectUri is not null && !string.Equals(code.RedirectUri, form["redirect_uri"], StringComparison.Ordinal))
                    || (code.CodeChallenge is not null && !PkceMatches(code.CodeChallenge, form["code_verifier"])))
                {
                    return TokenError("invalid_grant", "Invalid \"code\" in request.", 400);
                }

                return Tokens(store, code.UserId, code.Scope);
            case "refresh_token":
                return store.RedeemRefreshToken(form["refresh_token"].ToString()) is { } grant
                    ? Tokens(store, grant.UserId, grant.Scope)
                    : TokenError("invalid_grant", "Invalid \"refresh_token\" in request.", 400);
            default:
                return TokenError("unsupported_grant_type", null, 400);
        }
    }

    private static JsonHttpResult<TokenJson> Tokens(OAuthStore store, ulong userId, string scope)
    {
        var (access, refresh) = store.IssueTokens(userId, scope);
        return TypedResults.Json(new TokenJson(access, "Bearer", (int)OAuthStore.AccessTokenLifetime.TotalSeconds, refresh, scope));
    }

    private static (string? Id, string? Secret) ClientCredentials(HttpRequest request, IFormCollection form)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var pair = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
                var colon = pair.IndexOf(':', StringComparison.Ordinal);
                return colon < 0 ? (null, null) : (Uri.UnescapeDataString(pair[..colon]), Uri.UnescapeDataString(pair[(colon + 1)..]));
            }
            catch (FormatException)
            {
                return (null, null);
            }
        }

        return (form["client_id"], form["client_secret"]);
    }

    private static bool PkceMatches(string challenge, string? verifier) =>
        !string.IsNullOrEmpty(verifier)
        && string.Equals(challenge, Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))), StringComparison.Ordinal);

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static JsonHttpResult<TokenErrorJson> TokenError(string error, string? description, int status) =>
        TypedResults.Json(new TokenErrorJson(error, description), statusCode: status);
}

internal sealed record TokenJson(string AccessToken, string TokenType, int ExpiresIn, string RefreshToken, string Scope);

internal sealed record TokenErrorJson(
    string Error,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? ErrorDescription);

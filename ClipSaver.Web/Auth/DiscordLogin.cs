using System.Net.Http.Headers;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication.OAuth;

namespace ClipSaver.Web.Auth;

/// <summary>
/// Discord login with ASP.NET Core's own OAuth handler: scopes <c>identify guilds</c>, PKCE, state protected by Data
/// Protection and checked with a correlation cookie. Tokens are not kept: the user and their guild list are stored
/// at login (<see cref="LoginRecorder"/>).
/// </summary>
public static class DiscordLogin
{
    public const string Scheme = "Discord";
    public const string CallbackPath = "/signin-discord";
    public const string DisplayNameClaim = "display_name";
    public const string AvatarClaim = "avatar";

    public static AuthenticationBuilder AddDiscordLogin(this AuthenticationBuilder builder, bool secureCookies)
    {
        builder.AddOAuth<OAuthOptions, DiscordOAuthHandler>(Scheme, "Discord", _ => { });
        builder.Services.AddOptions<OAuthOptions>(Scheme).Configure<IOptions<DiscordOptions>>((o, discord) =>
        {
            var d = discord.Value;
            o.ClientId = d.ClientId ?? "not-configured";
            o.ClientSecret = d.ClientSecret ?? "not-configured";
            o.AuthorizationEndpoint = d.AuthorizeUrl;
            o.TokenEndpoint = d.TokenUrl;
            o.UserInformationEndpoint = new Uri(new Uri(d.ApiBaseUrl), "users/@me").ToString();
            o.CallbackPath = CallbackPath;
            o.UsePkce = true;
            o.SaveTokens = false;
            o.Scope.Clear();
            o.Scope.Add("identify");
            o.Scope.Add("guilds");
            o.CorrelationCookie.Name = "clipsaver.correlation";
            o.CorrelationCookie.SameSite = SameSiteMode.Lax;
            // As the session cookie: Secure outside Development (plain http on a developer's machine works too).
            o.CorrelationCookie.SecurePolicy = secureCookies ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
            o.ClaimActions.Clear();
            o.Events.OnCreatingTicket = OnCreatingTicketAsync;
            o.Events.OnRemoteFailure = ctx =>
            {
                // A tampered or replayed state, a denied consent, a failed token exchange: a clear page, no exception.
                ctx.Response.Redirect("/login/failed");
                ctx.HandleResponse();
                return Task.CompletedTask;
            };
        });
        return builder;
    }

    private static async Task OnCreatingTicketAsync(OAuthCreatingTicketContext context)
    {
        var ct = context.HttpContext.RequestAborted;
        using var user = await GetJsonAsync(context, context.Options.UserInformationEndpoint, ct);
        var root = user.RootElement;
        var id = root.GetProperty("id").GetString()!;
        var username = root.GetProperty("username").GetString() ?? id;
        var globalName = root.TryGetProperty("global_name", out var g) && g.ValueKind == JsonValueKind.String ? g.GetString() : null;
        var avatar = root.TryGetProperty("avatar", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString() : null;

        var identity = context.Identity!;
        identity.AddClaim(new Claim(ClaimTypes.NameIdentifier, id));
        identity.AddClaim(new Claim(ClaimTypes.Name, username));
        identity.AddClaim(new Claim(DisplayNameClaim, globalName ?? username));
        if (avatar is not null)
        {
            identity.AddClaim(new Claim(AvatarClaim, avatar));
        }

        var guildsUrl = context.Options.UserInformationEndpoint + "/guilds";
        using var guilds = await GetJsonAsync(context, guildsUrl, ct);
        var recorder = context.HttpContext.RequestServices.GetRequiredService<LoginRecorder>();
        await recorder.RecordAsync(
            long.Parse(id, System.Globalization.CultureInfo.InvariantCulture), username, globalName, avatar, LoginRecorder.ParseGuilds(guilds.RootElement), ct);
    }

    private static async Task<JsonDocument> GetJsonAsync(OAuthCreatingTicketContext context, string url, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", context.AccessToken);
        request.Headers.UserAgent.ParseAdd("DiscordBot (https://github.com/clipsaver/clipsaver, 1.0)");
        using var response = await context.Backchannel.SendAsync(request, ct);
        response.EnsureSuccessStatusCode();
        return await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(ct), cancellationToken: ct);
    }
}

/// <summary>
/// ASP.NET Core's OAuth handler, with the redirect URI built by <see cref="ReverseProxy.PublicUrl"/>: from
/// <c>ClipSaver:PublicBaseUrl</c> when it is set. Discord compares the one in the authorization request and the one in
/// the code exchange with the registered URI exactly, so both are overridden together.
/// </summary>
internal sealed class DiscordOAuthHandler(IOptionsMonitor<OAuthOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : OAuthHandler<OAuthOptions>(options, logger, encoder)
{
    private string RedirectUri => Request.PublicUrl(Options.CallbackPath);

    protected override string BuildChallengeUrl(AuthenticationProperties properties, string redirectUri) =>
        base.BuildChallengeUrl(properties, RedirectUri);

    protected override Task<OAuthTokenResponse> ExchangeCodeAsync(OAuthCodeExchangeContext context) =>
        base.ExchangeCodeAsync(new OAuthCodeExchangeContext(context.Properties, context.Code, RedirectUri));
}

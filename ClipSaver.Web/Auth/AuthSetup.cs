using Microsoft.AspNetCore.Authentication.Cookies;

namespace ClipSaver.Web.Auth;

public static class Policies
{
    /// <summary>Operators: Discord user ids listed in <c>ClipSaver:Operators</c>.</summary>
    public const string Operator = "operator";

    /// <summary>REST API callers: an API token, or the browser's cookie (then unsafe methods need the antiforgery header).</summary>
    public const string Api = "api";
}

public static class AuthSetup
{
    public static WebApplicationBuilder AddClipSaverAuth(this WebApplicationBuilder builder)
    {
        var secure = !builder.Environment.IsDevelopment();
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(o =>
            {
                o.Cookie.Name = "clipsaver.session";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.Cookie.SecurePolicy = secure ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
                o.SlidingExpiration = true;
                o.ExpireTimeSpan = TimeSpan.FromDays(7);
                o.LoginPath = "/login";
                o.LogoutPath = "/logout";
                o.Events.OnRedirectToLogin = ctx => RedirectOrStatus(ctx, StatusCodes.Status401Unauthorized);
                o.Events.OnRedirectToAccessDenied = ctx => RedirectOrStatus(ctx, StatusCodes.Status403Forbidden);
            })
            .AddDiscordLogin(secure)
            .AddScheme<AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(ApiTokenAuthenticationHandler.SchemeName, _ => { });
        builder.Services.AddScoped<LoginRecorder>();

        builder.Services.AddSingleton<IAuthorizationHandler, OperatorHandler>();
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Operator, p => p.RequireAuthenticatedUser().AddRequirements(new OperatorRequirement()))
            .AddPolicy(Policies.Api, p => p.AddAuthenticationSchemes(ApiTokenAuthenticationHandler.SchemeName, CookieAuthenticationDefaults.AuthenticationScheme).RequireAuthenticatedUser());
        return builder;
    }

    /// <summary>
    /// A signed-out person is sent to log in; an API client or an htmx request gets the bare status. A signed-in
    /// person without the right gets 403, never a redirect loop.
    /// </summary>
    private static Task RedirectOrStatus(Microsoft.AspNetCore.Authentication.RedirectContext<CookieAuthenticationOptions> ctx, int status)
    {
        var request = ctx.Request;
        if (status == StatusCodes.Status401Unauthorized
            && !request.Path.StartsWithSegments("/api")
            && request.Headers["HX-Request"] != "true")
        {
            ctx.Response.Redirect(ctx.RedirectUri);
            return Task.CompletedTask;
        }

        ctx.Response.StatusCode = status;
        return Task.CompletedTask;
    }

    public static long? DiscordUserId(this ClaimsPrincipal user) =>
        user.Identity?.IsAuthenticated == true && long.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : null;

    /// <summary>The user as a use case's actor: through their API token when one authenticated the request.</summary>
    public static Actor? ToActor(this ClaimsPrincipal user) => user.DiscordUserId() is not { } id
        ? null
        : long.TryParse(user.FindFirstValue(ApiTokenAuthenticationHandler.TokenIdClaim), out var token) ? Core.Access.Actor.ByToken(id, token) : Core.Access.Actor.User(id);
}

public sealed class OperatorRequirement : IAuthorizationRequirement;

public sealed class OperatorHandler(IOptionsMonitor<ClipSaverOptions> options) : AuthorizationHandler<OperatorRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, OperatorRequirement requirement)
    {
        if (context.User.DiscordUserId() is { } id && options.CurrentValue.IsOperator(id))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}

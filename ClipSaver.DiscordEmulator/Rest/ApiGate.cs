using ClipSaver.DiscordEmulator.OAuth;
using ClipSaver.DiscordEmulator.RateLimits;

namespace ClipSaver.DiscordEmulator.Rest;

/// <summary>Who is calling: the bot (by its token) or a user (by an OAuth2 bearer token).</summary>
internal sealed record ApiClient(string Token, ulong UserId, bool IsBot, string Scope)
{
    public static ApiClient From(HttpContext context) => (ApiClient)context.Items[typeof(ApiClient)]!;

    public bool HasScope(string scope) => Scope.Split(' ').Contains(scope, StringComparer.Ordinal);
}

/// <summary>
/// What happens to every API and CDN request before its handler: User-Agent and token checks, faults, rate limits,
/// and the per-client counts.
/// </summary>
internal static class ApiGate
{
    public static async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var path = context.Request.Path;
        var isApi = path.StartsWithSegments("/api/v10", StringComparison.Ordinal);
        if (!isApi && !path.StartsWithSegments("/api/oauth2", StringComparison.Ordinal) && !path.StartsWithSegments("/cdn", StringComparison.Ordinal))
        {
            await next(context);
            return;
        }

        var services = context.RequestServices;
        var route = RouteName(context);
        var client = isApi ? Identify(context, services.GetRequiredService<EmulatorOptions>(), services.GetRequiredService<OAuthStore>()) : null;
        string? scope = null;
        try
        {
            if (isApi && !await CheckCallerAsync(context, client))
            {
                return;
            }

            var fault = services.GetRequiredService<FaultSettings>().Decide(route);
            if (fault.Delay > TimeSpan.Zero)
            {
                await Task.Delay(fault.Delay, context.RequestAborted);
            }

            if (fault.Drop)
            {
                context.Abort();
                return;
            }

            if (fault.Status is { } status)
            {
                await ApiErrors.Error(status, 0, status == 502 ? "502: Bad Gateway" : "500: Internal Server Error").ExecuteAsync(context);
                return;
            }

            var settings = services.GetRequiredService<EmulatorOptions>().RateLimits;
            if (isApi && settings.Enabled)
            {
                var major = context.Request.RouteValues.TryGetValue("channel_id", out var channel) ? $"c{channel}"
                    : context.Request.RouteValues.TryGetValue("guild_id", out var guild) ? $"g{guild}" : "";
                var decision = services.GetRequiredService<RateLimiter>().Check(client!.Token, route, major);
                decision.WriteHeaders(context.Response.Headers);
                if (decision.Scope is not null)
                {
                    scope = decision.Scope;
                    var retryAfter = Math.Round(decision.ResetAfter.TotalSeconds, 3);
                    await TypedResults.Json(new RateLimitedJson("You are being rate limited.", retryAfter, decision.Scope == "global"), statusCode: 429).ExecuteAsync(context);
                    return;
                }
            }

            await next(context);
        }
        finally
        {
            if (isApi)
            {
                services.GetRequiredService<EmulatorStats>().Record(client?.Token ?? "anonymous", route, context.Response.StatusCode, scope);
            }
        }
    }

    /// <summary>Discord blocks requests without a User-Agent; the emulator answers 400 (see decision 010).</summary>
    private static async Task<bool> CheckCallerAsync(HttpContext context, ApiClient? client)
    {
        IResult? refusal = null;
        if (string.IsNullOrWhiteSpace(context.Request.Headers.UserAgent))
        {
            refusal = ApiErrors.Error(400, 0, "400: Bad Request (a User-Agent header is required)");
        }
        else if (context.GetEndpoint() is null)
        {
            refusal = ApiErrors.NotFound();
        }
        else if (client is null)
        {
            refusal = ApiErrors.Unauthorized();
        }

        if (refusal is null)
        {
            context.Items[typeof(ApiClient)] = client;
            return true;
        }

        await refusal.ExecuteAsync(context);
        return false;
    }

    private static ApiClient? Identify(HttpContext context, EmulatorOptions options, OAuthStore store)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bot ", StringComparison.Ordinal))
        {
            var token = header[4..].Trim();
            return string.Equals(token, options.BotToken, StringComparison.Ordinal)
                ? new ApiClient(token, ulong.Parse(options.ClientId, System.Globalization.CultureInfo.InvariantCulture), IsBot: true, "bot")
                : null;
        }

        if (header.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            var token = header[7..].Trim();
            return store.FindAccessToken(token) is { } grant ? new ApiClient(token, grant.UserId, IsBot: false, grant.Scope) : null;
        }

        return null;
    }

    /// <summary><c>METHOD /template</c> without the <c>/api/v10</c> prefix, e.g. <c>GET /channels/{channel_id}/messages</c>.</summary>
    private static string RouteName(HttpContext context)
    {
        var template = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? context.Request.Path.Value ?? "";
        if (!template.StartsWith('/'))
        {
            template = "/" + template;
        }

        if (template.StartsWith("/api/v10/", StringComparison.Ordinal))
        {
            template = template["/api/v10".Length..];
        }

        return context.Request.Method + " " + template;
    }
}

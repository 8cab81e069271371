using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Antiforgery;
using Scalar.AspNetCore;

namespace ClipSaver.Web.Apis;

/// <summary>Section <c>ClipSaver:Api</c>.</summary>
public sealed class ApiOptions
{
    public const string Section = "ClipSaver:Api";

    /// <summary>Requests per minute per caller (token or signed-in user).</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 100_000)]
    public int RequestsPerMinute { get; set; } = 300;
}

/// <summary>The REST API's plumbing in one place: authentication, antiforgery for cookie callers, rate limits, OpenAPI.</summary>
public static class ApiSetup
{
    public const string RateLimitPolicy = "api";

    public static WebApplicationBuilder AddClipSaverApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.Section).ValidateSection(ApiOptions.Section);
        var perMinute = builder.Configuration.GetSection(ApiOptions.Section).Get<ApiOptions>()?.RequestsPerMinute ?? new ApiOptions().RequestsPerMinute;
        builder.Services.AddRateLimiter(o =>
        {
            o.AddPolicy(RateLimitPolicy, http => RateLimitPartition.GetFixedWindowLimiter(
                http.User.DiscordUserId()?.ToString(CultureInfo.InvariantCulture) ?? http.Connection.RemoteIpAddress?.ToString() ?? "anonymous",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
            o.OnRejected = async (context, cancellationToken) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? (int)Math.Ceiling(wait.TotalSeconds) : 60;
                context.HttpContext.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                context.HttpContext.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
                await context.HttpContext.Response.WriteAsJsonAsync(
                    new ProblemDetails { Status = 429, Title = "Too many requests.", Detail = $"Slow down: try again in {retryAfter} seconds.", Type = "https://httpwg.org/specs/rfc6585.html#status-429" },
                    cancellationToken);
            };
        });
        builder.Services.AddOpenApi("v1", o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "ClipSaver API";
            document.Info.Description = "Everything the dashboard does, under the same rules. Authenticate with `Authorization: Bearer cs_…` (create a token at /account/tokens).";
            return Task.CompletedTask;
        }));
        // A request the framework cannot bind throws in every environment (the default is Development only), so that
        // ApiErrorsMiddleware can say what was wrong; without it the answer is a bare 400.
        builder.Services.PostConfigure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false)));
        return builder;
    }

    public static RouteGroupBuilder MapApiGroup(this IEndpointRouteBuilder app) =>
        app.MapGroup("/api")
            .RequireAuthorization(Policies.Api)
            .RequireRateLimiting(RateLimitPolicy)
            .AddEndpointFilter(RequireAntiforgeryForCookies)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

    /// <summary>
    /// Declares the error answers of one endpoint, each a ProblemDetails body, besides the group's 401 and 429.
    /// Success bodies and validation problems come from the handler's typed results.
    /// </summary>
    public static RouteHandlerBuilder ProducesProblems(this RouteHandlerBuilder endpoint, params int[] statusCodes)
    {
        foreach (var statusCode in statusCodes)
        {
            endpoint.ProducesProblem(statusCode);
        }

        return endpoint;
    }

    // Greys and method colours dark enough for text (WCAG AA, 4.5:1) on the reference's light and dark backgrounds.
    private const string ScalarContrastCss = """
        .light-mode { --scalar-color-2: #3f3f46; --scalar-color-3: #52525b; --scalar-color-green: #056b2b; --scalar-color-blue: #0a56c2;
          --scalar-color-orange: #9a4300; --scalar-color-yellow: #6b5500; --scalar-color-red: #b3202a; --scalar-color-purple: #6d35b8; --scalar-color-accent: #0a56c2; }
        .dark-mode { --scalar-color-2: #d4d4d8; --scalar-color-3: #b4b4bb; }
        """;

    public static IEndpointRouteBuilder MapClipSaverApi(this WebApplication app)
    {
        app.UseRateLimiter();
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        app.MapScalarApiReference("/api/docs", o => o.WithTitle("ClipSaver API").WithOpenApiRoutePattern("/openapi/{documentName}.json")
            // The reference's own fonts come from a CDN the content security policy (and an offline install) refuses:
            // the system's fonts instead. Its page has no language and some pale greys; both are set here.
            .DisableDefaultFonts()
            .AddHeadContent("<script>document.documentElement.lang = 'en';</script>")
            .WithCustomCss(ScalarContrastCss)).AllowAnonymous();
        app.MapGuildsApi();
        app.MapSettingsHistoryApi();
        app.MapPurgesApi();
        app.MapMeApi();
        app.MapExportsApi();
        app.MapMaintenanceApi();
        return app;
    }

    /// <summary>
    /// A signed-in browser may call the API with its cookie, but an unsafe method then needs the antiforgery header.
    /// Only a caller the API token scheme authenticated is exempt: what counts is the identity that scheme produced,
    /// never the mere presence of an <c>Authorization</c> header. A junk token fails that scheme while the cookie
    /// still signs the request in, and such a request must prove it comes from our own page like any other.
    /// </summary>
    private static async ValueTask<object?> RequireAntiforgeryForCookies(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var unsafeMethod = !(HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method) || HttpMethods.IsOptions(http.Request.Method));
        var byToken = http.User.Identities.Any(i => i.IsAuthenticated && i.AuthenticationType == ApiTokenAuthenticationHandler.SchemeName);
        if (unsafeMethod && !byToken)
        {
            var antiforgery = http.RequestServices.GetRequiredService<IAntiforgery>();
            if (!await antiforgery.IsRequestValidAsync(http))
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Missing or invalid antiforgery token.",
                    detail: "A request signed in with the browser's cookie must send the RequestVerificationToken header; scripts should use an API token instead.");
            }
        }

        return await next(context);
    }

    /// <summary>403 for a guild the caller sees without the role an action needs.</summary>
    public static ProblemHttpResult Forbidden(GuildRole needed) =>
        TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: needed == GuildRole.Owner ? "Only the server's owner may do this." : "You may not change this server.");

    /// <summary>404 for something that does not exist or that the caller may not see.</summary>
    public static ProblemHttpResult Unknown(string what) =>
        TypedResults.Problem(statusCode: 404, title: $"Unknown {what}.", type: "https://www.rfc-editor.org/rfc/rfc9110#status.404");

    public static ProblemHttpResult BadRequest(string title, string? detail = null) =>
        TypedResults.Problem(statusCode: 400, title: title, detail: detail, type: "https://www.rfc-editor.org/rfc/rfc9110#status.400");

    public static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);
}

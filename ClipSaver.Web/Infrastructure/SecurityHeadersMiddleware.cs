namespace ClipSaver.Web.Infrastructure;

/// <summary>
/// Security headers on every answer: only the app's own scripts and styles (no inline script), no framing, no
/// MIME sniffing, and a strict referrer policy. The Hangfire dashboard ships inline scripts and styles, so its
/// pages get a looser policy of their own.
/// </summary>
public sealed class SecurityHeadersMiddleware(RequestDelegate next, Microsoft.Extensions.Options.IOptionsMonitor<ClipSaver.Core.Discord.DiscordOptions> discord)
{
    /// <summary>Images may come from Discord's CDN (guild icons, avatars): the real one, or the emulator's in demo mode.</summary>
    private string AppPolicy =>
        $"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: {new Uri(discord.CurrentValue.CdnBaseUrl).GetLeftPart(UriPartial.Authority)}; " +
        "media-src 'self'; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; " +
        "form-action 'self'";

    private const string DashboardPolicy =
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
        "object-src 'none'; base-uri 'self'; frame-ancestors 'none'";

    public Task InvokeAsync(HttpContext context)
    {
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            // The Hangfire dashboard and the API reference page ship inline scripts and styles.
            var path = context.Request.Path;
            headers.ContentSecurityPolicy = path.StartsWithSegments("/hangfire") || path.StartsWithSegments("/api/docs") ? DashboardPolicy : AppPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
            headers["Cross-Origin-Opener-Policy"] = "same-origin";
            headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()";
            return Task.CompletedTask;
        });
        return next(context);
    }
}

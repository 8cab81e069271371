using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace ClipSaver.Web.Infrastructure;

/// <summary>
/// Section <c>ClipSaver:ForwardedHeaders</c>: whether to believe a TLS-terminating proxy's <c>X-Forwarded-Proto</c>,
/// <c>X-Forwarded-Host</c> and <c>X-Forwarded-For</c>, and from whom. Loopback is always trusted (ASP.NET's
/// default); other proxies only when listed. See docs/decisions/013-production-image.md.
/// </summary>
public sealed class ForwardedHeadersSettings
{
    public const string Section = "ClipSaver:ForwardedHeaders";

    public bool Enabled { get; set; }

    /// <summary>IP addresses of proxies whose forwarded headers are believed, besides loopback.</summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Networks in CIDR notation (<c>172.28.0.0/16</c>) whose forwarded headers are believed, besides loopback.</summary>
    public List<string> KnownNetworks { get; set; } = [];
}

public static class ReverseProxy
{
    public static WebApplicationBuilder AddClipSaverReverseProxy(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ForwardedHeadersSettings>().BindConfiguration(ForwardedHeadersSettings.Section)
            .Validate(s => s.KnownProxies.All(p => IPAddress.TryParse(p, out _)), $"{ForwardedHeadersSettings.Section}:KnownProxies holds something that is not an IP address.")
            .Validate(s => s.KnownNetworks.All(n => System.Net.IPNetwork.TryParse(n, out _)), $"{ForwardedHeadersSettings.Section}:KnownNetworks holds something that is not a network in CIDR notation (e.g. 172.28.0.0/16).")
            .ValidateOnStart();
        builder.Services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<ForwardedHeadersSettings>>((o, settings) =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
            // ASP.NET's defaults stay in the lists (127.0.0.0/8 and ::1); the configured ones are added.
            foreach (var proxy in settings.Value.KnownProxies)
            {
                o.KnownProxies.Add(IPAddress.Parse(proxy));
            }

            foreach (var network in settings.Value.KnownNetworks)
            {
                o.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
        });
        return builder;
    }

    /// <summary>First in the pipeline, so that the scheme, host and client address are the proxy's before anything reads them.</summary>
    public static WebApplication UseClipSaverForwardedHeaders(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<ForwardedHeadersSettings>>().Value.Enabled)
        {
            app.UseForwardedHeaders();
        }

        return app;
    }

    /// <summary>
    /// The absolute address of <paramref name="path"/> as the browser (and Discord) knows it: under
    /// <c>ClipSaver:PublicBaseUrl</c> when set, else the request's scheme and host (after forwarded headers). Discord
    /// compares redirect URIs exactly, so this is what OAuth and the bot install send.
    /// </summary>
    public static string PublicUrl(this HttpRequest request, string path)
    {
        var configured = request.HttpContext.RequestServices.GetRequiredService<IOptions<ClipSaverOptions>>().Value.PublicBaseUrl;
        return configured is null
            ? $"{request.Scheme}://{request.Host}{request.PathBase}{path}"
            : configured.GetLeftPart(UriPartial.Authority) + configured.AbsolutePath.TrimEnd('/') + path;
    }
}

using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.AspNetCore.WebUtilities;

namespace ClipSaver.Tests.Foundation;

/// <summary>
/// Production behind a TLS-terminating proxy: Discord must be sent the https redirect URIs the README says to
/// register, and cookies must be Secure. The emulator accepts only those two URIs, as Discord would.
/// </summary>
public sealed class ReverseProxyTests : AppTestBase
{
    private const string PublicHost = "clips.example.org";
    private const string LoginRedirect = $"https://{PublicHost}/signin-discord";
    private const string InstallRedirect = $"https://{PublicHost}/guilds/install/callback";
    private static readonly IPAddress Proxy = IPAddress.Parse("10.20.0.2");
    private static readonly IPAddress Stranger = IPAddress.Parse("203.0.113.9");

    protected override void ConfigureEmulator(EmulatorOptions options)
    {
        options.RedirectUris.Add(LoginRedirect);
        options.RedirectUris.Add(InstallRedirect);
    }

    private WebApplicationFactory<Program> Production(params (string Key, string Value)[] settings) =>
        App.WithWebHostBuilder(b =>
        {
            b.UseEnvironment("Production");
            foreach (var (key, value) in settings)
            {
                b.UseSetting(key, value);
            }
        });

    private WebApplicationFactory<Program> BehindTrustedProxy() => Production(
        ("ClipSaver:ForwardedHeaders:Enabled", "true"),
        ("ClipSaver:ForwardedHeaders:KnownNetworks:0", "10.20.0.0/16"));

    /// <summary>One request as it arrives from <paramref name="from"/>, forwarded as https for <see cref="PublicHost"/> when <paramref name="forwarded"/>.</summary>
    private static Task<HttpContext> GetAsync(WebApplicationFactory<Program> app, string pathAndQuery, IPAddress from, bool forwarded, Cookies? cookies = null) =>
        app.Server.SendAsync(c =>
        {
            var uri = new Uri("http://localhost" + pathAndQuery);
            c.Request.Method = HttpMethods.Get;
            c.Request.Path = uri.AbsolutePath;
            c.Request.QueryString = new QueryString(uri.Query);
            c.Connection.RemoteIpAddress = from;
            if (forwarded)
            {
                c.Request.Headers["X-Forwarded-Proto"] = "https";
                c.Request.Headers["X-Forwarded-Host"] = PublicHost;
                c.Request.Headers["X-Forwarded-For"] = "198.51.100.23";
            }

            if (cookies?.Header is { } header)
            {
                c.Request.Headers.Cookie = header;
            }
        });

    private static Dictionary<string, string> Query(Uri uri) => QueryHelpers.ParseQuery(uri.Query).ToDictionary(p => p.Key, p => p.Value.ToString());

    private static Uri Location(HttpContext response)
    {
        Assert.Equal(StatusCodes.Status302Found, response.Response.StatusCode);
        return new Uri(response.Response.Headers.Location.ToString(), UriKind.RelativeOrAbsolute);
    }

    /// <summary>The whole login through the emulator, then "Add ClipSaver" for a guild the owner has without the bot.</summary>
    private async Task LogInAndInstallAsync(WebApplicationFactory<Program> app, IPAddress from, bool forwarded)
    {
        var cookies = new Cookies();

        var start = await GetAsync(app, "/login", from, forwarded);
        var authorize = Location(start);
        Assert.Equal(LoginRedirect, Query(authorize)["redirect_uri"]);
        cookies.Take(start, "clipsaver.correlation");

        // The emulator, like Discord, sends the browser back only to a registered redirect URI.
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var fields = Query(authorize);
        fields["user_id"] = DemoUsers.Owner.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var consent = await browser.PostAsync(new Uri(authorize, "/oauth2/authorize"), new FormUrlEncodedContent(fields));
        var back = consent.Headers.Location ?? throw new InvalidOperationException($"The consent form answered {(int)consent.StatusCode}.");
        Assert.StartsWith(LoginRedirect + "?", back.ToString(), StringComparison.Ordinal);

        // The code exchange sends the same redirect URI again; Discord refuses a different one.
        var callback = await GetAsync(app, back.PathAndQuery, from, forwarded, cookies);
        Assert.Equal("/guilds", Location(callback).OriginalString);
        cookies.Take(callback, "clipsaver.session");

        var install = await GetAsync(app, $"/guilds/{DemoGuild("Speedrun Vault").Id}/install", from, forwarded, cookies);
        var botAuthorize = Location(install);
        Assert.Equal(InstallRedirect, Query(botAuthorize)["redirect_uri"]);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync(botAuthorize)).StatusCode);

        var page = await GetAsync(app, "/guilds", from, forwarded, cookies);
        Assert.Equal(StatusCodes.Status200OK, page.Response.StatusCode);
        // Antiforgery's cookie is Secure when the request is https, which only forwarded headers can tell.
        cookies.Take(page, "clipsaver.af", secure: forwarded);
    }

    [Fact]
    public async Task Behind_a_trusted_proxy_login_and_install_send_https_redirect_uris_and_every_cookie_is_secure()
    {
        await using var app = BehindTrustedProxy();

        await LogInAndInstallAsync(app, Proxy, forwarded: true);
    }

    [Fact]
    public async Task A_request_not_from_a_trusted_proxy_cannot_change_the_scheme_or_host()
    {
        await using var app = BehindTrustedProxy();

        var spoofed = await GetAsync(app, "/login", Stranger, forwarded: true);
        var trusted = await GetAsync(app, "/login", Proxy, forwarded: true);

        Assert.Equal("http://localhost/signin-discord", Query(Location(spoofed))["redirect_uri"]);
        Assert.Equal(LoginRedirect, Query(Location(trusted))["redirect_uri"]);
    }

    [Fact]
    public async Task Forwarded_headers_are_ignored_unless_switched_on()
    {
        await using var app = Production();

        var response = await GetAsync(app, "/login", IPAddress.Loopback, forwarded: true);

        Assert.Equal("http://localhost/signin-discord", Query(Location(response))["redirect_uri"]);
    }

    [Fact]
    public async Task With_a_public_base_url_the_redirect_uris_come_from_it_whatever_the_request_says()
    {
        await using var app = Production(("ClipSaver:PublicBaseUrl", $"https://{PublicHost}/"));

        await LogInAndInstallAsync(app, Stranger, forwarded: false);
    }

    /// <summary>A browser's cookie jar, reduced to what the test needs; each cookie taken must be HttpOnly, and Secure unless told.</summary>
    private sealed class Cookies
    {
        private readonly Dictionary<string, string> _values = [];

        public string? Header => _values.Count == 0 ? null : string.Join("; ", _values.Select(p => $"{p.Key}={p.Value}"));

        public void Take(HttpContext response, string namePrefix, bool secure = true)
        {
            var set = response.Response.Headers.SetCookie.Select(c => c!).Where(c => c.StartsWith(namePrefix, StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(set);
            foreach (var cookie in set)
            {
                var attributes = cookie.Split(';', StringSplitOptions.TrimEntries);
                Assert.Equal(secure, attributes.Contains("secure", StringComparer.OrdinalIgnoreCase));
                Assert.Contains("httponly", attributes, StringComparer.OrdinalIgnoreCase);
                var (name, value) = (attributes[0][..attributes[0].IndexOf('=', StringComparison.Ordinal)], attributes[0][(attributes[0].IndexOf('=', StringComparison.Ordinal) + 1)..]);
                _values[name] = value;
            }
        }
    }
}

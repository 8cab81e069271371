using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;

namespace ClipSaver.Tests.Infrastructure;

/// <summary>
/// The real app (Program) on a test database. Settings can be added per test; the Hangfire server is off unless a
/// test turns it on, because a test that is about a job's logic runs the job itself.
/// </summary>
public sealed class ClipSaverAppFactory(TestDb db, IReadOnlyDictionary<string, string?>? settings = null) : WebApplicationFactory<Program>
{
    public TestDb Db { get; } = db;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.UseSetting("ConnectionStrings:ClipSaver", Db.ConnectionString);
        builder.UseSetting("ClipSaver:Database:MigrateOnStartup", "false");
        builder.UseSetting("ClipSaver:Jobs:ServerEnabled", "false");
        builder.UseSetting("ClipSaver:Demo:Enabled", "false");
        // The live bot connects only in the tests about it.
        builder.UseSetting("ClipSaver:Gateway:Enabled", "false");
        // Tests run the jobs they are about; a recurring job firing on the clock would make them depend on the time.
        builder.UseSetting("ClipSaver:Jobs:RecurringEnabled", "false");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.UseSetting("ClipSaver:Storage:Root", Path.Combine(Path.GetTempPath(), "clipsaver-test-clips", Db.Name));
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services =>
        {
            services.AddAuthentication()
                .AddScheme<AuthenticationSchemeOptions, TestAuthHandler>(TestAuthHandler.SchemeName, _ => { })
                .AddPolicyScheme(TestAuthHandler.PolicyScheme, TestAuthHandler.PolicyScheme, o => o.ForwardDefaultSelector = ctx =>
                    ctx.Request.Headers.ContainsKey(TestAuthHandler.Header) ? TestAuthHandler.SchemeName : CookieAuthenticationDefaults.AuthenticationScheme);
            services.PostConfigure<AuthenticationOptions>(o =>
            {
                o.DefaultScheme = TestAuthHandler.PolicyScheme;
                o.DefaultAuthenticateScheme = TestAuthHandler.PolicyScheme;
                o.DefaultChallengeScheme = TestAuthHandler.PolicyScheme;
                o.DefaultForbidScheme = TestAuthHandler.PolicyScheme;
            });
        });
    }

    /// <summary>Set when the app runs on a real Kestrel port (browser tests); clients then talk to that port.</summary>
    public Uri? KestrelAddress { get; set; }

    /// <summary>One GET as the user (signed out when null); the answer's body is read in full before the client goes.</summary>
    public async Task<HttpResponseMessage> GetAsAsync(long? userId, string path)
    {
        using var client = CreateClientAs(userId);
        return await client.GetAsync(path);
    }

    /// <summary>One GET as the user that must answer <paramref name="status"/> with each of <paramref name="texts"/> in its body; returns the body.</summary>
    public async Task<string> AssertAnswersAsync(long? userId, string path, HttpStatusCode status, params string[] texts)
    {
        using var response = await GetAsAsync(userId, path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"GET {path}: {(int)response.StatusCode}, expected {(int)status}");
        foreach (var text in texts)
        {
            Assert.Contains(text, body, StringComparison.Ordinal);
        }

        return body;
    }

    public HttpClient CreateClientAs(long? userId)
    {
        var options = new WebApplicationFactoryClientOptions { AllowAutoRedirect = false };
        if (KestrelAddress is not null)
        {
            options.BaseAddress = KestrelAddress;
        }

        var client = CreateClient(options);
        if (userId is { } id)
        {
            client.DefaultRequestHeaders.Add(TestAuthHandler.Header, id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return client;
    }
}

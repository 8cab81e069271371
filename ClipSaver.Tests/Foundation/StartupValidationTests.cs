namespace ClipSaver.Tests.Foundation;

/// <summary>
/// Options are checked when the app starts, and a bad one stops the start with a message that names its key, instead
/// of an app that starts and fails later (with Discord's 401s, a job that never runs, files in the wrong place).
/// </summary>
public sealed class StartupValidationTests : IAsyncLifetime
{
    private TestDb _db = null!;

    public async Task InitializeAsync() => _db = await TestDatabase.CreateAsync();

    public async Task DisposeAsync() => await _db.DisposeAsync();

    /// <summary>Starts the app with the settings and returns why it refused to start (the test fails if it started).</summary>
    private async Task<OptionsValidationException> StartFailureAsync(Dictionary<string, string?> settings)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var app = new ClipSaverAppFactory(_db, settings);
            var thrown = Record.Exception(() => app.CreateClient());
            Assert.NotNull(thrown);
            var failures = Flatten(thrown).OfType<OptionsValidationException>().ToList();
            // WebApplicationFactory races the app's own failed start: the app disposes its host, and the factory may
            // ask that host for a service afterwards. The app refused to start either way; ask again for its reason.
            if (failures.Count == 0 && thrown is ObjectDisposedException && attempt < 5)
            {
                continue;
            }

            Assert.True(failures.Count == 1, $"Expected one options failure, got: {thrown}");
            return failures[0];
        }
    }

    private static IEnumerable<Exception> Flatten(Exception e)
    {
        yield return e;
        var inner = e is AggregateException aggregate ? aggregate.InnerExceptions : (IEnumerable<Exception>)(e.InnerException is null ? [] : [e.InnerException]);
        foreach (var child in inner.SelectMany(Flatten))
        {
            yield return child;
        }
    }

    /// <summary>Discord settings that are complete but point nowhere: these tests never reach Discord.</summary>
    private static Dictionary<string, string?> WithDiscord(Dictionary<string, string?> settings)
    {
        settings["Discord:ClientId"] = "client";
        settings["Discord:ClientSecret"] = "secret";
        settings["Discord:BotToken"] = "token";
        return settings;
    }

    [Fact]
    public async Task Production_without_discord_credentials_refuses_to_start_with_one_message_naming_the_missing_keys()
    {
        var failure = await StartFailureAsync(new() { ["environment"] = "Production", ["Discord:ClientSecret"] = "secret" });

        var message = Assert.Single(failure.Failures);
        Assert.StartsWith("Discord credentials are missing: Discord:ClientId, Discord:BotToken.", message, StringComparison.Ordinal);
        Assert.Equal(typeof(ClipSaver.Core.Discord.DiscordOptions), failure.OptionsType);
    }

    [Fact]
    public async Task Production_with_no_discord_settings_at_all_names_all_three_keys()
    {
        var failure = await StartFailureAsync(new() { ["environment"] = "Production" });

        Assert.StartsWith("Discord credentials are missing: Discord:ClientId, Discord:ClientSecret, Discord:BotToken.", Assert.Single(failure.Failures), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Production_with_the_credentials_starts()
    {
        await using var app = new ClipSaverAppFactory(_db, WithDiscord(new() { ["environment"] = "Production" }));

        using var client = app.CreateClient();
        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
    }

    [Theory]
    [InlineData("ClipSaver:Jobs:WorkerCount", "-1")]
    [InlineData("ClipSaver:Jobs:ScanWorkerCount", "0")]
    [InlineData("ClipSaver:Jobs:Queues:0", "purges")]
    [InlineData("ClipSaver:Storage:Root", "")]
    [InlineData("ClipSaver:Storage:Root", "   ")]
    [InlineData("ClipSaver:Operators:0", "-5")]
    [InlineData("ClipSaver:Access:CacheDuration", "-00:00:01")]
    [InlineData("ClipSaver:Install:IntentLifetime", "00:00:00")]
    [InlineData("ClipSaver:Install:BotPermissions", "-1")]
    [InlineData("ClipSaver:OrphanScan:FileGrace", "00:00:00")]
    [InlineData("ClipSaver:MemberCleanup:BatchSize", "0")]
    [InlineData("ClipSaver:Housekeeping:IntentGrace", "-01:00:00")]
    [InlineData("Retention:IntervalHours", "0")]
    [InlineData("Discord:RequestTimeout", "00:00:00")]
    [InlineData("Discord:HealthCheckTimeout", "00:05:00")]
    [InlineData("Discord:ApiBaseUrl", "not a url")]
    public async Task An_invalid_option_stops_the_start_naming_its_key(string key, string value)
    {
        var failure = await StartFailureAsync(WithDiscord(new() { [key] = value }));

        var expected = key.EndsWith(":0", StringComparison.Ordinal) ? key[..^2] : key;
        Assert.Contains(failure.Failures, f => f.StartsWith(expected + ":", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("clips.example.org/path")]
    [InlineData("ftp://clips.example.org/")]
    [InlineData("https://clips.example.org/?tenant=1")]
    public async Task A_public_base_url_that_is_not_an_absolute_http_address_stops_the_start(string value)
    {
        var failure = await StartFailureAsync(WithDiscord(new() { ["environment"] = "Production", ["ClipSaver:PublicBaseUrl"] = value }));

        Assert.StartsWith("ClipSaver:PublicBaseUrl must be an absolute http(s) address", Assert.Single(failure.Failures), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ClipSaver:Storage:Kind", "Azure")]
    [InlineData("ClipSaver:Storage:S3:Bucket", "")]
    [InlineData("ClipSaver:Storage:S3:Bucket", "Not_A_Bucket")]
    [InlineData("ClipSaver:Storage:S3:ServiceUrl", "minio:9000")]
    [InlineData("ClipSaver:Storage:S3:AccessKey", "")]
    [InlineData("ClipSaver:Storage:S3:PartSizeBytes", "1024")]
    public async Task A_bad_object_store_setting_stops_the_start_naming_its_key_and_never_the_secret(string key, string value)
    {
        var settings = WithDiscord(new()
        {
            ["ClipSaver:Storage:Kind"] = "S3",
            ["ClipSaver:Storage:S3:ServiceUrl"] = "http://127.0.0.1:9",
            ["ClipSaver:Storage:S3:Bucket"] = "clips",
            ["ClipSaver:Storage:S3:AccessKey"] = "access",
            ["ClipSaver:Storage:S3:SecretKey"] = "very-secret-value",
        });
        settings[key] = value;

        var failure = await StartFailureAsync(settings);

        Assert.Contains(failure.Failures, f => f.StartsWith(key, StringComparison.Ordinal));
        Assert.DoesNotContain("very-secret-value", failure.Message, StringComparison.Ordinal);
    }
}

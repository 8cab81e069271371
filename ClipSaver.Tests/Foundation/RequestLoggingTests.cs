namespace ClipSaver.Tests.Foundation;

public sealed class RequestLoggingTests : AppTestBase
{
    [Fact]
    public async Task Request_logs_name_method_path_and_status_but_never_query_strings_cookies_or_tokens()
    {
        var sink = new LogSink();
        using var app = App.WithWebHostBuilder(b => b
            .UseSetting("Logging:LogLevel:Default", "Information")
            .ConfigureServices(s => s.AddLogging(l => l.AddProvider(sink))));
        using var client = app.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/?code=SECRET-CODE&state=SECRET-STATE");
        request.Headers.Add("Cookie", "clipsaver.session=SECRET-COOKIE");
        request.Headers.Add("Authorization", "Bearer SECRET-TOKEN");

        await client.SendAsync(request);

        var lines = sink.Lines;
        Assert.Contains(lines, l => l.Contains("HTTP GET / answered 200", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("SECRET", StringComparison.Ordinal));
    }
}

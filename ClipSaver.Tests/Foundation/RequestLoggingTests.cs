using System.Collections.Concurrent;
using ClipSaver.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ClipSaver.Tests.Foundation;

public sealed class RequestLoggingTests : AppTestBase
{
    [Fact]
    public async Task Request_logs_name_method_path_and_status_but_never_query_strings_cookies_or_tokens()
    {
        var sink = new ConcurrentQueue<string>();
        using var app = App.WithWebHostBuilder(b => b
            .UseSetting("Logging:LogLevel:Default", "Information")
            .ConfigureServices(s => s.AddLogging(l => l.AddProvider(new SinkProvider(sink)))));
        using var client = app.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/?code=SECRET-CODE&state=SECRET-STATE");
        request.Headers.Add("Cookie", "clipsaver.session=SECRET-COOKIE");
        request.Headers.Add("Authorization", "Bearer SECRET-TOKEN");

        await client.SendAsync(request);

        var lines = sink.ToArray();
        Assert.Contains(lines, l => l.Contains("HTTP GET / answered 200", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("SECRET", StringComparison.Ordinal));
    }

    private sealed class SinkProvider(ConcurrentQueue<string> sink) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new SinkLogger(sink);

        public void Dispose()
        {
        }
    }

    private sealed class SinkLogger(ConcurrentQueue<string> sink) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            sink.Enqueue(formatter(state, exception) + " " + exception);
    }
}

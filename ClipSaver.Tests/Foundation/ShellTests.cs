namespace ClipSaver.Tests.Foundation;

public sealed class ShellTests : AppTestBase
{
    [Fact]
    public async Task Home_page_renders_for_a_signed_out_visitor()
    {
        await App.AssertAnswersAsync(null, "/", HttpStatusCode.OK, "Your Discord clips, kept.", "Log in with Discord");
    }

    [Fact]
    public async Task Every_page_sends_the_security_headers_and_allows_no_inline_script()
    {
        var response = await App.GetAsAsync(null, "/");

        var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self';", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
        Assert.Equal("strict-origin-when-cross-origin", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
    }

    [Fact]
    public async Task Htmx_is_served_by_the_app_itself_and_no_script_comes_from_elsewhere()
    {
        using var client = App.CreateClientAs(null);
        var html = await client.GetStringAsync("/");
        var htmx = await client.GetAsync("/lib/htmx/htmx.min.js");

        Assert.Equal(HttpStatusCode.OK, htmx.StatusCode);
        Assert.Contains("htmx", await htmx.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("src=\"/lib/htmx/htmx.min.js", html, StringComparison.Ordinal);
        Assert.DoesNotContain("src=\"http", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_page_answers_404_with_a_readable_page()
    {
        await App.AssertAnswersAsync(null, "/no-such-page", HttpStatusCode.NotFound, "Not found");
    }

    [Fact]
    public async Task Health_live_and_ready_answer_json_with_each_dependency()
    {
        var live = await App.GetAsAsync(null, "/health/live");
        var ready = await App.GetAsAsync(null, "/health/ready");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        using var json = JsonDocument.Parse(await ready.Content.ReadAsStringAsync());
        Assert.Equal("Healthy", json.RootElement.GetProperty("status").GetString());
        var names = json.RootElement.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("name").GetString()).ToList();
        Assert.Contains("database", names);
        Assert.Contains("hangfire", names);
    }
}

namespace ClipSaver.Tests.Foundation;

public sealed class HomePageBrowserTests : BrowserTestBase
{
    [Fact]
    public async Task A_visitor_sees_the_home_page_with_its_login_button_in_a_real_browser()
    {
        var page = await OpenPageAsync();
        var consoleErrors = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                consoleErrors.Add(message.Text);
            }
        };
        page.Response += (_, response) =>
        {
            if (response.Status >= 400)
            {
                consoleErrors.Add($"{response.Status} {response.Url}");
            }
        };

        await page.GotoAsync("/");

        Assert.Equal("Home · ClipSaver", await page.TitleAsync());
        Assert.True(await page.GetByRole(Microsoft.Playwright.AriaRole.Heading, new() { Name = "Your Discord clips, kept." }).IsVisibleAsync());
        Assert.True(await page.GetByRole(Microsoft.Playwright.AriaRole.Link, new() { Name = "Log in with Discord" }).First.IsVisibleAsync());
        // htmx loaded from the app itself, under the Content-Security-Policy, with no console errors (a CSP
        // violation would show up here).
        Assert.Equal("object", await page.EvaluateAsync<string>("typeof htmx"));
        Assert.Empty(consoleErrors);
        var screenshot = await Browser.ScreenshotAsync(page, "home");
        Assert.True(new FileInfo(screenshot).Length > 0);
    }
}

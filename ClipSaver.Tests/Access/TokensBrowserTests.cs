using Microsoft.Playwright;

namespace ClipSaver.Tests.Access;

/// <summary>The API tokens page in the real Chromium: create a token (shown once), use it, revoke it.</summary>
public sealed class TokensBrowserTests : BrowserTestBase
{
    [Fact]
    public async Task A_user_creates_a_token_sees_it_once_uses_it_and_revokes_it()
    {
        await ReconcileAsync();
        var page = await OpenPageAsync(DemoUsers.Owner.Username);

        await page.GetByRole(AriaRole.Link, new() { Name = "API tokens" }).ClickAsync();
        await page.GetByLabel("Name").FillAsync("nightly export");
        await page.GetByLabel("Expires after (days)").FillAsync("30");
        await page.GetByTestId("create-token").ClickAsync();

        var token = (await page.GetByTestId("new-token").TextContentAsync())?.Trim() ?? "";
        Assert.StartsWith("cs_", token, StringComparison.Ordinal);
        var row = page.GetByTestId("tokens").Locator("tbody tr", new() { HasText = "nightly export" });
        Assert.Contains(token[..8], await row.TextContentAsync() ?? "", StringComparison.Ordinal);
        await Browser.ScreenshotAsync(page, "tokens-created");

        var api = App.CreateClientAs(null);
        api.DefaultRequestHeaders.Authorization = new("Bearer", token);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/guilds")).StatusCode);

        // The create answered with a redirect: a reload shows the page again, without the token and without a second one.
        await page.ReloadAsync();
        Assert.Equal(0, await page.GetByTestId("new-token").CountAsync()); // shown once only
        Assert.Equal(1, await page.GetByTestId("tokens").Locator("tbody tr").CountAsync());
        await row.GetByRole(AriaRole.Link, new() { Name = "Revoke nightly export" }).ClickAsync();
        // Revoking asks first; "Keep it" keeps it.
        await page.GetByTestId("revoke-confirm").WaitForAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Keep it" }).ClickAsync();
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/guilds")).StatusCode);
        await row.GetByRole(AriaRole.Link, new() { Name = "Revoke nightly export" }).ClickAsync();
        await page.GetByTestId("revoke-confirm-button").ClickAsync();
        await Assertions.Expect(row).ToContainTextAsync("revoked");
        await Browser.ScreenshotAsync(page, "tokens-revoked");
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.GetAsync("/api/guilds")).StatusCode);
        await using var db = Db.CreateContext();
        Assert.NotNull((await db.ApiTokens.SingleAsync()).RevokedAt);
    }
}

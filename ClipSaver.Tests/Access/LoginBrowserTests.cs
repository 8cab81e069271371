using Microsoft.Playwright;

namespace ClipSaver.Tests.Access;

public sealed class LoginBrowserTests : BrowserTestBase
{
    [Fact]
    public async Task An_owner_logs_in_through_the_consent_page_sees_exactly_their_guilds_and_logs_out()
    {
        await ReconcileAsync();
        var page = await OpenPageAsync();

        await page.GotoAsync("/");
        await page.GetByRole(AriaRole.Link, new() { Name = "Log in with Discord" }).First.ClickAsync();
        await page.WaitForURLAsync(url => url.Contains("/oauth2/authorize", StringComparison.Ordinal));
        await Browser.ScreenshotAsync(page, "login-consent");
        await page.GetByRole(AriaRole.Button, new() { Name = $"Sign in as {DemoUsers.Owner.Username}" }).ClickAsync();
        await page.WaitForURLAsync(url => url.EndsWith("/guilds", StringComparison.Ordinal));

        Assert.Equal(DemoUsers.Owner.GlobalName, await page.GetByTestId("user-name").TextContentAsync());
        var present = await page.GetByTestId("present-guilds").Locator(".guild-name").AllTextContentsAsync();
        var addable = await page.GetByTestId("addable-guilds").Locator(".guild-name").AllTextContentsAsync();
        var expectedPresent = Discord.World.GuildsOf(DemoUsers.Owner.Id).Where(g => g.BotPresent && Manages(g)).Select(g => g.Name).Order();
        var expectedAddable = Discord.World.GuildsOf(DemoUsers.Owner.Id).Where(g => !g.BotPresent && Manages(g)).Select(g => g.Name).Order();
        Assert.Equal(expectedPresent, present.Order());
        Assert.Equal(expectedAddable, addable.Order());
        Assert.Contains("Clip Club", present);
        Assert.Contains("Speedrun Vault", addable);
        await Browser.ScreenshotAsync(page, "guilds-owner");

        await page.GetByRole(AriaRole.Button, new() { Name = "Log out" }).ClickAsync();
        await page.WaitForURLAsync(url => !url.Contains("/guilds", StringComparison.Ordinal));
        Assert.True(await page.GetByRole(AriaRole.Link, new() { Name = "Log in with Discord" }).First.IsVisibleAsync());
        var response = await page.GotoAsync("/guilds");
        Assert.Contains("/oauth2/authorize", page.Url, StringComparison.Ordinal);
        Assert.NotNull(response);
    }

    [Fact]
    public async Task A_member_without_rights_sees_no_guild_and_gets_404_on_a_guild_page()
    {
        await ReconcileAsync();
        var page = await OpenPageAsync(DemoUsers.Member.Username);

        // One sentence that says why the list is empty, not two that contradict each other.
        Assert.True(await page.GetByTestId("no-guilds").IsVisibleAsync());
        Assert.Equal(0, await page.GetByTestId("no-present").CountAsync() + await page.GetByTestId("no-addable").CountAsync());
        var guild = DemoGuild("Clip Club");
        var response = await page.GotoAsync($"/guilds/{guild.Id}");
        Assert.Equal(404, response!.Status);
        await Browser.ScreenshotAsync(page, "guild-404-member");
    }

    private bool Manages(EmulatedGuild guild) =>
        guild.OwnerId == DemoUsers.Owner.Id || (Discord.World.BasePermissions(guild.Id, DemoUsers.Owner.Id) & ((1UL << 3) | (1UL << 5))) != 0;
}

using Microsoft.Playwright;

namespace ClipSaver.Tests.Guilds;

/// <summary>Adding the bot, losing it, the banner, re-inviting; and the settings page. In the real Chromium.</summary>
public sealed class GuildLifecycleBrowserTests : BrowserTestBase
{
    [Fact]
    public async Task An_owner_adds_the_bot_loses_it_sees_the_banner_and_reinvites()
    {
        var vault = await ReconciledDemoGuildAsync("Speedrun Vault");
        var page = await OpenPageAsync(DemoUsers.Owner.Username);

        // Add the bot: Discord's bot authorization (the emulator's consent page), then back to the guild's page.
        await page.GetByTestId("addable-guilds").GetByRole(AriaRole.Link, new() { Name = "Add ClipSaver" }).ClickAsync();
        await page.WaitForURLAsync(url => url.Contains("/oauth2/authorize", StringComparison.Ordinal) && url.Contains("scope=bot", StringComparison.Ordinal));
        Assert.Contains($"guild_id={vault.Id}", page.Url, StringComparison.Ordinal);
        await Browser.ScreenshotAsync(page, "install-consent");
        await page.GetByRole(AriaRole.Button, new() { Name = $"Sign in as {DemoUsers.Owner.Username}", Exact = true }).ClickAsync();
        await page.WaitForURLAsync(url => url.EndsWith($"/guilds/{vault.Id}", StringComparison.Ordinal));
        Assert.Contains("ClipSaver is now in Speedrun Vault", await page.GetByTestId("notice").TextContentAsync(), StringComparison.Ordinal);
        Assert.True(Discord.World.BotIsIn(vault.Id));
        await Browser.ScreenshotAsync(page, "install-done");

        // The bot is removed on Discord; reconciliation notices; every page of the guild shows the banner.
        var removedAround = DateTimeOffset.UtcNow;
        Discord.World.RemoveBotFromGuild(vault.Id);
        await ReconcileAsync();
        await page.GotoAsync($"/guilds/{vault.Id}/channels");
        var banner = page.GetByTestId("deleted-banner");
        await banner.WaitForAsync();
        Assert.Contains("The bot was removed from this server on", await banner.TextContentAsync(), StringComparison.Ordinal);
        // Thirty days after the removal (the day of either end of it, should the test run across midnight).
        Assert.Contains(
            await page.GetByTestId("grace-date").TextContentAsync(),
            new[] { removedAround, DateTimeOffset.UtcNow }.Select(d => d.AddDays(30).ToString("d MMMM yyyy", System.Globalization.CultureInfo.CurrentCulture)));
        Assert.Equal(0, await page.GetByTestId("archive-switch").CountAsync());
        await Browser.ScreenshotAsync(page, "guild-removed-banner");

        // Re-invite: the same flow, and the guild is active again.
        await page.GetByTestId("reinvite").ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = $"Sign in as {DemoUsers.Owner.Username}", Exact = true }).ClickAsync();
        await page.WaitForURLAsync(url => url.EndsWith($"/guilds/{vault.Id}", StringComparison.Ordinal));
        Assert.Equal(0, await page.GetByTestId("deleted-banner").CountAsync());
        Assert.True(Discord.World.BotIsIn(vault.Id));
    }

    [Fact]
    public async Task An_owner_changes_a_setting_sees_it_kept_after_reload_and_a_bad_value_shows_its_message()
    {
        var (_, page) = await OpenClipClubPageAsync(DemoUsers.Owner.Username, "settings");

        await SettingsPage.SaveAsync(page, largestFileMb: "250", allowNsfwChannels: true);
        await page.ReloadAsync();
        Assert.Equal("250", await page.GetByLabel(SettingsPage.LargestFileLabel).InputValueAsync());
        Assert.True(await page.Locator("#Form_AllowNsfwChannels").IsCheckedAsync());

        // The browser checks the number's range itself; the server checks what a browser cannot.
        await page.GetByLabel("File types that count as clips").FillAsync("mp4, web-m!");
        await page.GetByTestId("save-settings").ClickAsync();
        await page.GetByTestId("error-extensions").Filter(new() { HasText = "short names of letters and digits" }).WaitForAsync();
        await Browser.ScreenshotAsync(page, "settings-error");
        await page.ReloadAsync();
        Assert.Equal("mp4, webm, mov, mkv, m4v", await page.GetByLabel("File types that count as clips").InputValueAsync());
    }
}

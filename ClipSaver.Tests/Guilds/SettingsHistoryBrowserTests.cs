using Microsoft.Playwright;

namespace ClipSaver.Tests.Guilds;

/// <summary>The settings history in the real Chromium: a change shows up with who and what, and the previous version comes back.</summary>
public sealed class SettingsHistoryBrowserTests : BrowserTestBase
{
    [Fact]
    public async Task An_owner_changes_a_setting_sees_it_in_the_history_and_restores_the_previous_version()
    {
        var (club, page) = await OpenClipClubPageAsync(DemoUsers.Owner.Username, "settings");
        await SettingsPage.SaveAsync(page, largestFileMb: "200");

        await page.GetByTestId("history-link").ClickAsync();
        await page.WaitForURLAsync(url => url.EndsWith($"/guilds/{club.Id}/settings/history", StringComparison.Ordinal));
        var entries = page.GetByTestId("history-entry");
        Assert.Equal(2, await entries.CountAsync());
        var newest = (await entries.Nth(0).InnerTextAsync()).ReplaceLineEndings(" ");
        Assert.Contains(DemoUsers.Owner.GlobalName!, newest, StringComparison.Ordinal);
        Assert.Contains("Largest file to keep: 500 MB → 200 MB", newest, StringComparison.Ordinal);
        // Today's date (or yesterday's, should the test run across midnight).
        Assert.Contains(
            new[] { DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow }.Select(d => d.ToString("d MMM yyyy", System.Globalization.CultureInfo.InvariantCulture)),
            day => newest.Contains(day, StringComparison.Ordinal));
        Assert.Contains("These are the current settings.", newest, StringComparison.Ordinal);

        // The version before the change: the confirmation says what restoring it sets, then the restore says what it did.
        var previous = entries.Nth(1);
        Assert.Contains("Settings before the first recorded change", await previous.InnerTextAsync(), StringComparison.Ordinal);
        await previous.GetByTestId("restore").ClickAsync();
        var confirm = previous.GetByTestId("confirm-restore");
        await confirm.WaitForAsync();
        Assert.Contains("Largest file to keep: 200 MB → 500 MB", await previous.Locator("form").InnerTextAsync(), StringComparison.Ordinal);
        await Browser.ScreenshotAsync(page, "settings-history-confirm");
        await confirm.ClickAsync();

        var message = page.GetByTestId("restore-message");
        await message.WaitForAsync();
        Assert.Equal("Restored: Largest file to keep 200 MB → 500 MB.", await message.InnerTextAsync());
        Assert.Equal(3, await entries.CountAsync());
        Assert.Contains("Restored the version of", await entries.Nth(0).InnerTextAsync(), StringComparison.Ordinal);
        await Browser.ScreenshotAsync(page, "settings-history-restored");

        // Restoring what is already current says so and adds nothing.
        await entries.Nth(0).GetByTestId("restore").ClickAsync();
        await entries.Nth(0).GetByTestId("confirm-restore").ClickAsync();
        await page.GetByTestId("restore-message").Filter(new() { HasText = "nothing was changed" }).WaitForAsync();
        Assert.Equal(3, await entries.CountAsync());

        await page.GotoAsync($"/guilds/{club.Id}/settings");
        Assert.Equal("500", await page.GetByLabel(SettingsPage.LargestFileLabel).InputValueAsync());
    }

    [Fact]
    public async Task A_restore_of_an_unknown_version_from_the_page_is_refused_and_changes_nothing()
    {
        var (_, page) = await OpenClipClubPageAsync(DemoUsers.Manager.Username, "settings/history");
        await page.GetByTestId("history-empty").WaitForAsync();

        // The page's own form, pointed at a version that does not exist and at one that is not a number.
        foreach (var (id, status) in new[] { ("987654321", 404), ("abc", 400) })
        {
            var response = await page.EvaluateAsync<int>(
                """
                async id => {
                    const body = new URLSearchParams({ versionId: id, __RequestVerificationToken: document.querySelector('meta[name=csrf-token]').content });
                    return (await fetch(location.pathname + '?handler=restore', { method: 'POST', body })).status;
                }
                """, id);
            Assert.Equal(status, response);
        }

        await using var db = Db.CreateContext();
        Assert.False(await db.GuildSettingsVersions.AnyAsync());
        Assert.False(await db.GuildSettings.AnyAsync());
    }
}

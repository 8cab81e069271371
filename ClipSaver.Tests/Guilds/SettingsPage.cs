using Microsoft.Playwright;

namespace ClipSaver.Tests.Guilds;

/// <summary>What the browser tests do on a guild's settings page.</summary>
internal static class SettingsPage
{
    public const string LargestFileLabel = "Largest file to keep (MB)";

    /// <summary>Sets the largest file to keep (and allows NSFW channels when asked), saves, and waits for "saved".</summary>
    public static async Task SaveAsync(IPage page, string largestFileMb, bool allowNsfwChannels = false)
    {
        await page.GetByLabel(LargestFileLabel).FillAsync(largestFileMb);
        if (allowNsfwChannels)
        {
            await page.Locator("#Form_AllowNsfwChannels").CheckAsync();
        }

        await page.GetByTestId("save-settings").ClickAsync();
        await page.GetByTestId("settings-saved").WaitForAsync();
    }
}

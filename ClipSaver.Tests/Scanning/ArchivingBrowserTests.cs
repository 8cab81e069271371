using Microsoft.Playwright;

namespace ClipSaver.Tests.Scanning;

/// <summary>An owner switches a channel on, watches its scan finish, and opens a clip in the player.</summary>
public sealed class ArchivingBrowserTests : BrowserTestBase
{
    protected override WorldShape World => WorldShape.Small;

    protected override IReadOnlyDictionary<string, string?> Settings =>
        TestJobs.ServerSettings("00:00:01", workers: 2);

    [Fact]
    public async Task Switching_a_channel_on_runs_a_scan_the_row_shows_its_progress_and_a_clip_streams_with_ranges()
    {
        var guild = await ReconciledBotGuildAsync();
        var owner = Discord.World.User(guild.OwnerId)!;
        var channel = TextChannels(guild).First();
        var page = await OpenPageAsync(owner.Username);

        await page.GotoAsync($"/guilds/{guild.Id}/channels");
        var row = page.Locator($"#channel-{channel.Id}");
        await row.GetByTestId("archive-switch").ClickAsync();
        await row.GetByTestId("archive-switch").Filter(new() { HasText = "On" }).WaitForAsync();
        await Browser.ScreenshotAsync(page, "channels-scanning");

        // The row polls while its scan is queued or running, and shows the result when it is done.
        await row.GetByTestId("scan-now").WaitForAsync(new() { Timeout = 60_000 });
        var count = await row.GetByTestId("clip-count").TextContentAsync();
        Assert.False(count!.Trim().StartsWith("0 ", StringComparison.Ordinal), $"The row shows no clips: {count}");
        await Browser.ScreenshotAsync(page, "channels-scanned");

        await page.GotoAsync($"/guilds/{guild.Id}/clips");
        var first = page.GetByTestId("clip").First;
        await first.WaitForAsync();
        // A card shows the clip's poster; the file its player plays (after a click) is the poster's data-src.
        var src = await first.GetByTestId("player").Locator("button.poster").GetAttributeAsync("data-src");
        Assert.NotNull(src);
        await Browser.ScreenshotAsync(page, "clips");

        // The player seeks with range requests.
        var ranged = await page.APIRequest.GetAsync(src!, new() { Headers = new Dictionary<string, string> { ["Range"] = "bytes=0-99" } });
        Assert.Equal(206, ranged.Status);
        Assert.StartsWith("bytes 0-99/", ranged.Headers["content-range"], StringComparison.Ordinal);
        Assert.Equal(100, (await ranged.BodyAsync()).Length);
    }
}

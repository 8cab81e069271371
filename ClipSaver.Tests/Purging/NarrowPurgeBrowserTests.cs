using Microsoft.Playwright;

namespace ClipSaver.Tests.Purging;

/// <summary>A narrower purge in the real Chromium: older clips of one channel, through the danger zone, and what is left.</summary>
public sealed class NarrowPurgeBrowserTests : DangerZoneBrowserTestBase
{
    [Fact]
    public async Task An_older_than_purge_of_a_channel_deletes_its_older_clips_and_the_clip_browser_shows_the_newer_ones()
    {
        List<ClipSaver.Core.Data.Clip> older, newer;
        long otherBefore;
        await using (var db = Db.CreateContext())
        {
            // Half the channel's clips were posted in June 2025, the rest yesterday; their names say which.
            var clips = await db.Clips.Where(c => c.ChannelId == (long)TargetChannel.Id).OrderBy(c => c.Id).ToListAsync();
            Assert.True(clips.Count >= 2, "the channel needs clips on both sides of the day");
            for (var i = 0; i < clips.Count; i++)
            {
                var old = i < clips.Count / 2;
                (clips[i].PostedAt, clips[i].FileName) = old
                    ? (new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero), $"old-{i}.mp4")
                    : (DateTimeOffset.UtcNow.AddDays(-1), $"new-{i}.mp4");
            }

            await db.SaveChangesAsync();
            (older, newer) = (clips.Take(clips.Count / 2).ToList(), clips.Skip(clips.Count / 2).ToList());
            otherBefore = await db.Clips.CountAsync(c => c.ChannelId == (long)OtherChannel.Id);
        }

        var page = await SignedInPageAsync();
        await page.GetByTestId("channel-select").SelectOptionAsync(TargetChannel.Id.ToString(CultureInfo.InvariantCulture));
        await page.GetByTestId("preview").WaitForAsync();
        await page.GetByTestId("what-older-channel").CheckAsync();
        await page.GetByTestId("older-than-channel").FillAsync("2026-01-01");
        // The day reads as the rest of the page does, whatever the browser's date input shows.
        await page.GetByTestId("preview-what").Filter(new() { HasText = "clips posted before 1 Jan 2026" }).WaitForAsync();
        Assert.Equal(older.Count.ToString("N0", CultureInfo.CurrentCulture), await page.GetByTestId("preview-clips").TextContentAsync());
        await Browser.ScreenshotAsync(page, "danger-older-than-preview");

        await page.GetByTestId("confirm-input").FillAsync(TargetChannel.Name);
        await page.GetByTestId("confirm-button").ClickAsync();
        await page.GetByTestId("countdown").WaitForAsync();
        Assert.Contains("clips posted before 1 Jan 2026", await page.Locator("[data-testid=purge-run][data-status=Scheduled]").TextContentAsync(), StringComparison.Ordinal);
        await page.Locator("[data-testid=purge-run][data-status=Completed]").First.WaitForAsync(new() { Timeout = 60_000 });
        var report = await page.GetByTestId("report").First.TextContentAsync();
        Assert.Contains($"deleted {older.Count:N0} clips", report, StringComparison.Ordinal);
        Assert.Contains("none of the matching clips is left", report, StringComparison.Ordinal);
        await Browser.ScreenshotAsync(page, "danger-older-than-report");

        // The clip browser of the channel shows the newer clips, and only them.
        await page.GotoAsync($"/guilds/{TargetGuild.Id}/clips?Channel={TargetChannel.Id}");
        await page.GetByTestId("clip-total").WaitForAsync();
        Assert.Contains(newer.Count.ToString("N0", CultureInfo.InvariantCulture), await page.GetByTestId("clip-total").TextContentAsync(), StringComparison.Ordinal);
        var names = await page.GetByTestId("clip-link").AllTextContentsAsync();
        Assert.NotEmpty(names);
        Assert.All(names, n => Assert.StartsWith("new-", n.Trim(), StringComparison.Ordinal));

        await using var check = Db.CreateContext();
        Assert.Equal(newer.Select(c => c.Id).Order(), await check.Clips.Where(c => c.ChannelId == (long)TargetChannel.Id).OrderBy(c => c.Id).Select(c => c.Id).ToListAsync());
        Assert.Equal(otherBefore, await check.Clips.CountAsync(c => c.ChannelId == (long)OtherChannel.Id));
        var row = await check.Channels.AsNoTracking().SingleAsync(c => c.Id == (long)TargetChannel.Id);
        Assert.True(row.IsReading);
        Assert.Equal(newer.Count, row.ClipCount);
    }
}

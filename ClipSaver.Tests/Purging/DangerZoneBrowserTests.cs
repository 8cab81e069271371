using Microsoft.Playwright;

namespace ClipSaver.Tests.Purging;

/// <summary>The danger zone in the real Chromium: preview, wrong phrase, confirm, countdown, progress, report, cancel.</summary>
public sealed class DangerZoneBrowserTests : DangerZoneBrowserTestBase
{
    [Fact]
    public async Task A_channel_purge_previews_refuses_a_wrong_phrase_counts_down_runs_and_reports()
    {
        long clipsBefore, otherBefore;
        await using (var db = Db.CreateContext())
        {
            clipsBefore = await db.Clips.CountAsync(c => c.ChannelId == (long)TargetChannel.Id);
            otherBefore = await db.Clips.CountAsync(c => c.ChannelId == (long)OtherChannel.Id);
        }

        Assert.True(clipsBefore > 0);
        var page = await SignedInPageAsync();

        await page.GetByTestId("channel-select").SelectOptionAsync(TargetChannel.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.GetByTestId("preview").WaitForAsync();
        Assert.Equal(clipsBefore.ToString("N0", System.Globalization.CultureInfo.CurrentCulture), await page.GetByTestId("preview-clips").TextContentAsync());
        await Browser.ScreenshotAsync(page, "danger-channel-preview");

        var input = page.GetByTestId("confirm-input");
        var button = page.GetByTestId("confirm-button");
        await input.FillAsync(TargetChannel.Name.ToUpperInvariant());
        Assert.True(await button.IsDisabledAsync());
        // The server checks again: a forced submit with the wrong phrase deletes nothing.
        await button.EvaluateAsync("b => b.disabled = false");
        await button.ClickAsync();
        await page.GetByTestId("purge-message").WaitForAsync();
        Assert.Contains("Nothing was deleted", await page.GetByTestId("purge-message").TextContentAsync(), StringComparison.Ordinal);
        // The preview stays, with the phrase to type and the box holding the keyboard focus.
        Assert.Equal(clipsBefore.ToString("N0", System.Globalization.CultureInfo.CurrentCulture), await page.GetByTestId("preview-clips").TextContentAsync());
        Assert.Equal(TargetChannel.Name, (await page.GetByTestId("phrase").TextContentAsync())!.Trim());
        Assert.True(await page.GetByTestId("confirm-input").EvaluateAsync<bool>("e => e === document.activeElement"));
        await Browser.ScreenshotAsync(page, "danger-channel-wrong-phrase");

        await page.GetByTestId("confirm-input").FillAsync(TargetChannel.Name);
        Assert.True(await page.GetByTestId("confirm-button").IsEnabledAsync());
        await page.GetByTestId("confirm-button").ClickAsync();
        await page.GetByTestId("countdown").WaitForAsync();
        await Browser.ScreenshotAsync(page, "danger-channel-countdown");

        await page.Locator("[data-testid=purge-run][data-status=Completed]").First.WaitForAsync(new() { Timeout = 60_000 });
        var report = await page.GetByTestId("report").First.TextContentAsync();
        Assert.Contains($"deleted {clipsBefore:N0} clips", report, StringComparison.Ordinal);
        Assert.Contains("nothing of it is left", report, StringComparison.Ordinal);
        await Browser.ScreenshotAsync(page, "danger-channel-report");

        await using var check = Db.CreateContext();
        var runs = string.Join("; ", await check.ScanRuns.Where(r => r.ChannelId == (long)TargetChannel.Id).Select(r => $"{r.Id} {r.Kind} {r.Status} {r.CreatedAt:HH:mm:ss.fff} {r.FinishedAt:HH:mm:ss.fff} {r.MessagesRead} {r.Error}").ToListAsync());
        var purges = string.Join("; ", await check.PurgeRuns.Select(r => $"{r.Id} {r.Status} {r.StartedAt:HH:mm:ss.fff} {r.FinishedAt:HH:mm:ss.fff}").ToListAsync());
        var clips = string.Join("; ", await check.Clips.Where(c => c.ChannelId == (long)TargetChannel.Id).Select(c => $"{c.ArchivedAt:HH:mm:ss.fff}").Take(3).ToListAsync());
        Assert.True(0 == await check.Clips.CountAsync(c => c.ChannelId == (long)TargetChannel.Id), $"scans: {runs} | purges: {purges} | clips: {clips}");
        Assert.Equal(otherBefore, await check.Clips.CountAsync(c => c.ChannelId == (long)OtherChannel.Id));
    }

    /// <summary>Presses Tab until the element with the test id has the focus (as a keyboard user would reach it).</summary>
    private static async Task TabToAsync(IPage page, string testId)
    {
        for (var i = 0; i < 60; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            if (await FocusedTestIdAsync(page) == testId)
            {
                return;
            }
        }

        throw new InvalidOperationException($"Tab never reached {testId}.");
    }

    /// <summary>Waits (a short while) until the element with the test id has the focus; fails saying what has it instead.</summary>
    private static async Task AssertFocusAsync(IPage page, string testId)
    {
        try
        {
            await page.WaitForFunctionAsync("id => document.activeElement && document.activeElement.getAttribute('data-testid') === id", testId, new() { Timeout = 5_000 });
        }
        catch (TimeoutException)
        {
            Assert.Fail($"The focus is on {await page.EvaluateAsync<string>("() => document.activeElement ? document.activeElement.outerHTML.slice(0, 120) : 'nothing'")}, not on {testId}.");
        }
    }

    private static Task<string?> FocusedTestIdAsync(IPage page) =>
        page.EvaluateAsync<string?>("() => document.activeElement && document.activeElement.getAttribute('data-testid')");

    /// <summary>With the keyboard only: picks the channel N down the list, types its phrase and confirms; returns the channel's id.</summary>
    private static async Task<long> RequestChannelPurgeByKeyboardAsync(IPage page, int down)
    {
        await TabToAsync(page, "channel-select");
        for (var i = 0; i < down; i++)
        {
            await page.Keyboard.PressAsync("ArrowDown");
        }

        await page.GetByTestId("preview").WaitForAsync();
        Assert.Equal("channel-select", await FocusedTestIdAsync(page));
        var channelId = long.Parse(await page.GetByTestId("channel-select").InputValueAsync(), System.Globalization.CultureInfo.InvariantCulture);
        var phrase = (await page.GetByTestId("phrase").TextContentAsync())!.Trim();
        await TabToAsync(page, "confirm-input");
        await page.Keyboard.TypeAsync(phrase);
        await TabToAsync(page, "confirm-button");
        await page.Keyboard.PressAsync("Enter");
        await page.GetByTestId("countdown").WaitForAsync();
        return channelId;
    }

    [Fact]
    public async Task With_the_keyboard_only_an_owner_purges_one_channel_and_cancels_another_while_the_countdown_keeps_focus_on_cancel()
    {
        var page = await SignedInPageAsync();

        var purged = await RequestChannelPurgeByKeyboardAsync(page, down: 1);
        // The new purge's Cancel button has the focus; the owner lets this one run.
        await AssertFocusAsync(page, "cancel-purge");
        await page.Locator("[data-testid=purge-run][data-status=Completed]").First.WaitForAsync(new() { Timeout = 60_000 });
        // Its Cancel button went away with the start: the focus is on the purge's block, not lost to the page.
        await AssertFocusAsync(page, "purge-run");
        await page.Locator("#purge-announcer").Filter(new() { HasText = "finished" }).WaitForAsync(new() { State = WaitForSelectorState.Attached, Timeout = 5_000 });
        Assert.DoesNotContain("cancel it until then", await page.GetByTestId("danger-zone").TextContentAsync(), StringComparison.Ordinal);

        // The zone was drawn afresh when the first purge was accepted: the list is back at "Choose a channel…".
        var kept = await RequestChannelPurgeByKeyboardAsync(page, down: 2);
        Assert.NotEqual(purged, kept);
        await AssertFocusAsync(page, "cancel-purge");
        // A refresh of the countdown (every 2 seconds) happens before the owner presses Enter: the focus stays.
        var countdown = await page.GetByTestId("countdown").TextContentAsync();
        await page.WaitForFunctionAsync("t => { const c = document.querySelector('[data-testid=countdown]'); return c && c.textContent !== t; }", countdown);
        Assert.Equal("cancel-purge", await FocusedTestIdAsync(page));
        await page.Locator("#purge-announcer").Filter(new() { HasText = "scheduled" }).WaitForAsync(new() { State = WaitForSelectorState.Attached, Timeout = 5_000 });
        await page.Keyboard.PressAsync("Enter");
        await page.GetByTestId("purge-message").Filter(new() { HasText = "Purge cancelled" }).WaitForAsync();
        await AssertFocusAsync(page, "purge-message");
        await Browser.ScreenshotAsync(page, "danger-keyboard-cancelled");

        await using var check = Db.CreateContext();
        Assert.Equal(0, await check.Clips.CountAsync(c => c.ChannelId == purged));
        var runs = await check.PurgeRuns.OrderBy(r => r.Id).Select(r => new { r.ChannelId, r.Status }).ToListAsync();
        Assert.Equal([(purged, PurgeStatus.Completed), (kept, PurgeStatus.Cancelled)], runs.Select(r => (r.ChannelId!.Value, r.Status)));
    }

    [Fact]
    public async Task The_clip_list_link_downloads_a_csv_with_one_row_per_clip_of_the_channel()
    {
        List<long> messages;
        await using (var db = Db.CreateContext())
        {
            messages = await db.Clips.Where(c => c.ChannelId == (long)TargetChannel.Id).Select(c => c.MessageId).ToListAsync();
        }

        Assert.NotEmpty(messages);
        var page = await SignedInPageAsync();
        await page.GetByTestId("channel-select").SelectOptionAsync(TargetChannel.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.GetByTestId("preview").WaitForAsync();

        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("clip-list").ClickAsync());

        Assert.Equal($"clips-{TargetGuild.Id}-{TargetChannel.Id}.csv", download.SuggestedFilename);
        var lines = (await File.ReadAllTextAsync((await download.PathAsync())!)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("channel,message_link,author,file_name,size_bytes,posted_at,sha256", lines[0]);
        var linked = lines.Skip(1).Select(l => System.Text.RegularExpressions.Regex.Match(l, $@"https://discord\.com/channels/{TargetGuild.Id}/{TargetChannel.Id}/(\d+)")).ToList();
        Assert.All(linked, m => Assert.True(m.Success));
        Assert.Equal(messages.Order(), linked.Select(m => long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).Order());
        // The page is still the danger zone: the download did not navigate away.
        Assert.True(await page.GetByTestId("preview").IsVisibleAsync());
    }

    [Fact]
    public async Task An_all_channels_purge_can_be_cancelled_inside_the_undo_window()
    {
        long clipsBefore;
        await using (var db = Db.CreateContext())
        {
            clipsBefore = await db.Clips.CountAsync(c => c.GuildId == (long)TargetGuild.Id);
        }

        var page = await SignedInPageAsync();

        await page.GetByTestId("preview-all").ClickAsync();
        await page.GetByTestId("confirm-input").FillAsync("DELETE ALL CHANNELS");
        await page.GetByTestId("confirm-button").ClickAsync();
        await page.GetByTestId("countdown").WaitForAsync();
        await page.GetByTestId("cancel-purge").ClickAsync();
        await page.GetByTestId("purge-message").Filter(new() { HasText = "Purge cancelled" }).WaitForAsync();
        await Browser.ScreenshotAsync(page, "danger-all-cancelled");
        // Past the undo window (10 s from the request): the purge would have started by now had the cancel not held.
        await Task.Delay(TimeSpan.FromSeconds(11));

        await using var check = Db.CreateContext();
        Assert.Equal(PurgeStatus.Cancelled, (await check.PurgeRuns.SingleAsync()).Status);
        Assert.Equal(clipsBefore, await check.Clips.CountAsync(c => c.GuildId == (long)TargetGuild.Id));
        Assert.Null(await check.Guilds.Where(g => g.Id == (long)TargetGuild.Id).Select(g => g.AllChannelsPurgeCooldownUntil).FirstAsync());
    }

    [Fact]
    public async Task A_guild_purge_deletes_everything_the_bot_leaves_and_the_banner_offers_a_reinvite()
    {
        var page = await SignedInPageAsync();

        await page.GetByTestId("preview-guild").ClickAsync();
        await page.GetByTestId("preview").WaitForAsync();
        await Browser.ScreenshotAsync(page, "danger-guild-preview");
        await page.GetByTestId("confirm-input").FillAsync("DELETE SERVER");
        await page.GetByTestId("confirm-button").ClickAsync();
        await page.GetByTestId("countdown").WaitForAsync();
        try
        {
            await page.Locator("[data-testid=purge-run][data-status=Completed]").First.WaitForAsync(new() { Timeout = 60_000 });
        }
        catch (TimeoutException)
        {
            await using var db = Db.CreateContext();
            var runs = await db.PurgeRuns.Select(r => $"{r.Id} {r.Status} {r.Step} {r.Error} job {r.HangfireJobId}").ToListAsync();
            var jobs = await db.Database.SqlQuery<string>(
                $"SELECT j.id || ' ' || coalesce(j.statename, '-') || ': ' || coalesce(string_agg(s.name || ' ' || coalesce(s.reason, '') || ' ' || s.createdat, ' > ' ORDER BY s.id), '') AS \"Value\" FROM hangfire.job j LEFT JOIN hangfire.state s ON s.jobid = j.id GROUP BY j.id, j.statename")
                .ToListAsync();
            runs.Add("hangfire: " + string.Join(" | ", jobs) + $" (now {DateTimeOffset.UtcNow:O})");
            var scans = await db.ScanRuns.Select(r => $"{r.Id} {r.Status} {r.StopRequestedAt} {r.HeartbeatAt}").ToListAsync();
            await Browser.ScreenshotAsync(page, "danger-guild-timeout");
            Assert.Fail($"purges: {string.Join("; ", runs)} | scans: {string.Join("; ", scans)}");
        }

        await Browser.ScreenshotAsync(page, "danger-guild-report");
        // The banner appears with the report, without a reload, and says what is kept.
        await page.GetByTestId("deleted-banner").WaitForAsync(new() { Timeout = 5_000 });
        Assert.Contains("activity list", await page.GetByTestId("activity-kept").TextContentAsync(), StringComparison.Ordinal);

        await page.GotoAsync($"/guilds/{TargetGuild.Id}");
        await page.GetByTestId("deleted-banner").WaitForAsync();
        Assert.Contains("purged this server", await page.GetByTestId("deleted-banner").TextContentAsync(), StringComparison.Ordinal);
        Assert.True(await page.GetByTestId("reinvite").IsVisibleAsync());
        await Browser.ScreenshotAsync(page, "danger-guild-banner");

        Assert.False(Discord.World.BotIsIn(TargetGuild.Id));
        await using var check = Db.CreateContext();
        Assert.Equal(0, await check.Clips.CountAsync(c => c.GuildId == (long)TargetGuild.Id));
        Assert.Equal(0, await check.Channels.CountAsync(c => c.GuildId == (long)TargetGuild.Id));
        var guild = await check.Guilds.SingleAsync(g => g.Id == (long)TargetGuild.Id);
        Assert.NotNull(guild.PurgedAt);
        Assert.Equal(GuildDeletionReason.Purged, guild.DeletionReason);
    }
}

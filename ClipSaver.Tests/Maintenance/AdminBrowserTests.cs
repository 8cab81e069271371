using ClipSaver.Web.Jobs;
using Microsoft.Playwright;

namespace ClipSaver.Tests.Maintenance;

/// <summary>The operators' page in the real Chromium: a retention purge with an age override, and a job's switch.</summary>
public sealed class AdminBrowserTests : BrowserTestBase
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private long _guildId;
    private long _channelId;

    protected override IReadOnlyDictionary<string, string?> Settings =>
        TestJobs.ServerSettings("00:00:00.500", workers: 2, ("ClipSaver:Operators:0", TestDiscord.Id(DemoUsers.Owner.Id).ToString(System.Globalization.CultureInfo.InvariantCulture)));

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await ReconcileAsync();
        _guildId = (long)DemoGuild("Clip Club").Id;
        await using var db = Db.CreateContext();
        _channelId = await db.Channels.Where(c => c.GuildId == _guildId && c.Type == 0).Select(c => c.Id).FirstAsync();
    }

    /// <summary>Reloads /admin until the condition holds (the job runs on the server meanwhile).</summary>
    private static async Task ReloadUntilAsync(IPage page, Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            await page.GotoAsync("/admin");
            if (await condition())
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                await Browser.ScreenshotAsync(page, "admin-timeout");
                throw new TimeoutException($"/admin did not show {what} within {Timeout}.");
            }

            await Task.Delay(250);
        }
    }

    [Fact]
    public async Task An_operator_runs_the_retention_purge_with_an_override_sees_the_counts_and_switches_a_job_off_so_its_schedule_skips_it()
    {
        var now = DateTimeOffset.UtcNow;
        await using (var db = Db.CreateContext())
        {
            // Older than the 24-hour override (but younger than the default 48 hours): these go.
            db.ScanRuns.AddRange(
                TestData.ScanRun(_guildId, _channelId, ScanStatus.Completed, now.AddHours(-30)),
                TestData.ScanRun(_guildId, _channelId, ScanStatus.Failed, now.AddHours(-30)),
                TestData.ScanRun(_guildId, _channelId, ScanStatus.Cancelled, now.AddHours(-30)));
            db.PurgeRuns.AddRange(
                TestData.PurgeRun(_guildId, PurgeStatus.Completed, now.AddHours(-30)),
                TestData.PurgeRun(_guildId, PurgeStatus.Failed, now.AddHours(-30)));
            // Younger than the override: these stay.
            db.ScanRuns.Add(TestData.ScanRun(_guildId, _channelId, ScanStatus.Completed, now.AddHours(-2)));
            db.PurgeRuns.Add(TestData.PurgeRun(_guildId, PurgeStatus.Completed, now.AddHours(-2)));
            await db.SaveChangesAsync();
        }

        // The schedule is registered as the app does, but never comes round by itself: the test plays the scheduler.
        var manager = App.Services.GetRequiredService<IRecurringJobManagerV2>();
        var definition = App.Services.GetServices<RecurringJobDefinition>().Single(d => d.Id == RetentionPurgeJob.RecurringJobId);
        definition.Registration(manager, definition.Id, Cron.Never());

        var page = await OpenPageAsync(DemoUsers.Owner.Username);
        await page.GetByRole(AriaRole.Link, new() { Name = "Admin", Exact = true }).ClickAsync();
        await page.WaitForURLAsync(url => url.EndsWith("/admin", StringComparison.Ordinal));
        var row = page.Locator($"tr[data-job={RetentionPurgeJob.RecurringJobId}]");
        Assert.Equal("never", (await row.GetByTestId("last-run").TextContentAsync())?.Trim());
        Assert.Equal("true", await row.GetByTestId($"switch-{RetentionPurgeJob.RecurringJobId}").GetAttributeAsync("aria-checked"));
        await Browser.ScreenshotAsync(page, "admin-overview");

        // Run now with an age override of 24 hours.
        await row.GetByLabel("Age override in hours").FillAsync("24");
        await row.GetByTestId($"run-{RetentionPurgeJob.RecurringJobId}").ClickAsync();
        Assert.Contains("Started (Hangfire job", await page.GetByTestId("admin-notice").TextContentAsync(), StringComparison.Ordinal);
        await ReloadUntilAsync(page, async () => await page.GetByTestId("retention-report").CountAsync() > 0, "the retention purge's report");

        Assert.Equal("3", await page.GetByTestId("retention-scan-runs").TextContentAsync());
        Assert.Equal("2", await page.GetByTestId("retention-purge-runs").TextContentAsync());
        Assert.Equal("0", await page.GetByTestId("retention-audit-events").TextContentAsync());
        await Browser.ScreenshotAsync(page, "admin-retention-report");
        await using (var db = Db.CreateContext())
        {
            Assert.Equal(1, await db.ScanRuns.CountAsync());
            Assert.Equal(1, await db.PurgeRuns.CountAsync());
        }

        // Switch the job off: the page says so.
        await row.GetByTestId($"switch-{RetentionPurgeJob.RecurringJobId}").ClickAsync();
        var switchButton = row.GetByTestId($"switch-{RetentionPurgeJob.RecurringJobId}");
        await Assertions.Expect(switchButton).ToHaveAttributeAsync("aria-checked", "false");
        Assert.Equal("Off", (await switchButton.TextContentAsync())?.Trim());
        Assert.Equal("switched off", (await row.GetByTestId("next-run").TextContentAsync())?.Trim());
        await Browser.ScreenshotAsync(page, "admin-switched-off");

        // The schedule starts a run: it is skipped, the page shows it, and the old record it would remove stays.
        long stale;
        await using (var db = Db.CreateContext())
        {
            var run = TestData.ScanRun(_guildId, _channelId, ScanStatus.Completed, now.AddHours(-60));
            db.ScanRuns.Add(run);
            await db.SaveChangesAsync();
            stale = run.Id;
        }

        Assert.NotNull(manager.TriggerJob(RetentionPurgeJob.RecurringJobId));
        var lastRun = row.GetByTestId("last-run");
        await ReloadUntilAsync(page, async () => await lastRun.GetAttributeAsync("data-state") == "Skipped", "the skipped run");

        Assert.Contains("skipped: switched off", await lastRun.TextContentAsync(), StringComparison.Ordinal);
        await Browser.ScreenshotAsync(page, "admin-skipped");
        await using (var db = Db.CreateContext())
        {
            Assert.True(await db.ScanRuns.AnyAsync(r => r.Id == stale));
        }

        // Switched on again, the schedule's next run does the work.
        await switchButton.ClickAsync();
        await Assertions.Expect(switchButton).ToHaveAttributeAsync("aria-checked", "true");
        Assert.NotNull(manager.TriggerJob(RetentionPurgeJob.RecurringJobId));
        await ReloadUntilAsync(page, async () => await lastRun.GetAttributeAsync("data-state") == "Succeeded", "the successful run");

        Assert.Contains("(Succeeded)", await lastRun.TextContentAsync(), StringComparison.Ordinal);
        await Browser.ScreenshotAsync(page, "admin-switched-on-again");
        await using (var db = Db.CreateContext())
        {
            Assert.False(await db.ScanRuns.AnyAsync(r => r.Id == stale));
        }
    }
}

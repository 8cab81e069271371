using System.IO.Compression;
using Microsoft.Playwright;

namespace ClipSaver.Tests.OwnData;

/// <summary>
/// "My clips" and the owner's export in the real Chromium: a member exports and downloads their clips, deletes them
/// with their username, opts out and back in; the owner exports the archive from the danger zone, which offers
/// "export first" until an export holds the newest clips.
/// </summary>
public sealed class MyClipsBrowserTests : BrowserTestBase
{
    private EmulatedGuild _guild = null!;

    protected override WorldShape World => WorldShape.Small;

    protected override IReadOnlyDictionary<string, string?> Settings =>
        TestJobs.ServerSettings("00:00:01", workers: 2, ("ClipSaver:Purge:UndoWindow", "00:00:03"));

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _guild = await ReconciledBotGuildAsync();
        await ArchiveAsync(_guild.Id, [TextChannels(_guild).First()]);
    }

    /// <summary>The author with the most clips who does not own the guild: their clips, and how many of them have a stored file.</summary>
    private async Task<(EmulatedUser User, int Clips, int Files)> MemberWithClipsAsync()
    {
        await using var db = Db.CreateContext();
        var owner = (long)_guild.OwnerId;
        var top = await db.Clips.Where(c => c.GuildId == (long)_guild.Id && c.AuthorId != owner)
            .GroupBy(c => c.AuthorId).Select(g => new { g.Key, Count = g.Count(), Files = g.Count(c => c.StorageKey != null) }).OrderByDescending(g => g.Count).FirstAsync();
        return (Discord.World.User((ulong)top.Key)!, top.Count, top.Files);
    }

    private async Task<ZipArchive> DownloadFirstPartAsync(IPage page, ILocator scope)
    {
        try
        {
            await scope.GetByTestId("export-ready").WaitForAsync(new() { Timeout = 120_000 });
        }
        catch (TimeoutException e)
        {
            // Say what the export's job did, not only that the page never showed it ready.
            await using var db = Db.CreateContext();
            var exports = await db.Exports.AsNoTracking().Select(x => new { x.Id, x.Status, x.Error, x.ClipsDone, x.HangfireJobId }).ToListAsync();
            var monitor = App.Services.GetRequiredService<JobStorage>().GetMonitoringApi();
            var jobs = exports.Where(x => x.HangfireJobId is not null).SelectMany(x => monitor.JobDetails(x.HangfireJobId)?.History ?? [])
                .Select(h => $"{h.StateName} ({h.Reason}{(h.Data.TryGetValue("ExceptionDetails", out var m) ? ": " + m : "")})").Take(2);
            var servers = monitor.Servers().Select(s => $"{s.Name}: {s.WorkersCount} workers, {string.Join("/", s.Queues)}");
            throw new TimeoutException($"No ready export on the page; exports: {JsonSerializer.Serialize(exports)}; job states: {string.Join(", ", jobs)}; "
                + $"servers: {string.Join("; ", servers)}; processing: {monitor.ProcessingCount()}, enqueued (default): {monitor.EnqueuedCount(JobQueues.Default)}", e);
        }

        var download = await page.RunAndWaitForDownloadAsync(() => scope.GetByTestId("export-part").First.ClickAsync());
        var path = await download.PathAsync();
        return await ZipArchive.CreateAsync(new MemoryStream(await File.ReadAllBytesAsync(path)), ZipArchiveMode.Read, leaveOpen: false, entryNameEncoding: null);
    }

    [Fact]
    public async Task A_member_exports_and_downloads_their_clips_deletes_them_with_their_username_and_opts_out_and_back_in()
    {
        var (member, clips, files) = await MemberWithClipsAsync();
        var page = await OpenPageAsync(member.Username);
        await page.GotoAsync("/me");
        Assert.StartsWith($"{clips} clips in 1 server,", await page.GetByTestId("my-totals").TextContentAsync(), StringComparison.Ordinal);
        Assert.Equal(Math.Min(clips, 12), await page.GetByTestId("clip").CountAsync());

        // Export, follow its progress, download its first part.
        await page.GetByTestId("export-button").ClickAsync();
        using (var zip = await DownloadFirstPartAsync(page, page.GetByTestId("my-exports")))
        {
            Assert.Contains(zip.Entries, e => e.FullName == "manifest.json");
            Assert.Contains(zip.Entries, e => e.FullName == "manifest.csv");
            Assert.Equal(files, zip.Entries.Count(e => !e.FullName.StartsWith("manifest", StringComparison.Ordinal)));
        }

        await Browser.ScreenshotAsync(page, "me-export-ready");

        // Delete everywhere: the button waits for the username, then the countdown, then the report.
        await page.GetByTestId("delete-preview").WaitForAsync();
        var confirm = page.GetByTestId("delete-confirm");
        await confirm.FillAsync(member.Username.ToUpperInvariant() + "x");
        Assert.True(await page.GetByTestId("delete-button").IsDisabledAsync());
        await confirm.FillAsync(member.Username);
        await page.GetByTestId("delete-button").ClickAsync();
        await page.GetByTestId("countdown").WaitForAsync();
        await page.GetByTestId("deletion-report").WaitForAsync(new() { Timeout = 60_000 });
        Assert.Contains($"done: {clips} clips", await page.GetByTestId("deletion-report").TextContentAsync(), StringComparison.Ordinal);
        await using (var db = Db.CreateContext())
        {
            Assert.Equal(0, await db.Clips.CountAsync(c => c.AuthorId == (long)member.Id));
            Assert.True(await db.Clips.AnyAsync(c => c.GuildId == (long)_guild.Id), "Other authors' clips stay.");
        }

        // Opt out, then back in.
        await page.GotoAsync("/me");
        await page.GetByTestId("opt-out-button").ClickAsync();
        await page.GetByTestId("opt-in").WaitForAsync();
        Assert.Contains("You opted out", await page.GetByTestId("opt-out-state").TextContentAsync(), StringComparison.Ordinal);
        await using (var db = Db.CreateContext())
        {
            Assert.NotNull(await db.Users.Where(u => u.Id == (long)member.Id).Select(u => u.OptedOutAt).SingleAsync());
        }

        await page.GetByTestId("opt-in").ClickAsync();
        await page.GetByTestId("opt-out-button").WaitForAsync();
        await using (var db = Db.CreateContext())
        {
            Assert.Null(await db.Users.Where(u => u.Id == (long)member.Id).Select(u => u.OptedOutAt).SingleAsync());
        }
    }

    [Fact]
    public async Task An_owner_exports_the_archive_from_the_danger_zone_and_the_purge_offers_export_first_until_then()
    {
        var owner = Discord.World.User(_guild.OwnerId)!;
        var channel = TextChannels(_guild).First();
        long clips;
        await using (var db = Db.CreateContext())
        {
            clips = await db.Clips.CountAsync(c => c.GuildId == (long)_guild.Id && c.StorageKey != null);
        }

        var page = await OpenPageAsync(owner.Username);
        await page.GotoAsync($"/guilds/{_guild.Id}/danger-zone");
        var zone = page.GetByTestId("danger-zone");
        await zone.WaitForAsync();
        await page.GetByTestId("channel-select").SelectOptionAsync(channel.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.GetByTestId("export-first").WaitForAsync();

        await page.GetByTestId("export-archive-button").ClickAsync();
        using (var zip = await DownloadFirstPartAsync(page, page.GetByTestId("export-archive")))
        {
            var files = zip.Entries.Where(e => !e.FullName.StartsWith("manifest", StringComparison.Ordinal)).ToList();
            Assert.Equal(clips, files.Count);
            Assert.All(files, f => Assert.Contains($"/{channel.Name} ({channel.Id})/", f.FullName, StringComparison.Ordinal));
        }

        await Browser.ScreenshotAsync(page, "danger-export-ready");
        await page.GetByTestId("channel-select").SelectOptionAsync("");
        await page.GetByTestId("channel-select").SelectOptionAsync(channel.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.GetByTestId("preview").WaitForAsync();
        Assert.Equal(0, await page.GetByTestId("export-first").CountAsync());
    }
}

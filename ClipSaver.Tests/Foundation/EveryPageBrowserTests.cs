using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace ClipSaver.Tests.Foundation;

/// <summary>
/// Every page of the dashboard, as each kind of person sees it, at a desktop width and a phone's: nothing wider than
/// the screen, no serious or critical accessibility problem (axe), and a screenshot of each kept under
/// artifacts/screenshots/WIDTH/.
/// </summary>
public sealed class EveryPageBrowserTests : BrowserTestBase
{
    private long _guildId;
    private long _clipId;

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["ClipSaver:Operators:0"] = TestDiscord.Id(DemoUsers.Owner.Id).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        (_guildId, var channel) = await ReconciledClipClubAsync();
        await using var db = Db.CreateContext();
        var author = TestDiscord.Id(DemoUsers.Member.Id);
        for (var i = 0; i < 5; i++)
        {
            db.Clips.Add(TestData.Clip(_guildId, channel.Id, author, $"a-rather-long-clip-file-name-from-a-phone-{i}.mp4", 67_001_186 + i, DateTimeOffset.UtcNow.AddDays(-i), contentType: "video/mp4"));
        }

        await db.SaveChangesAsync();
        // The channel's counters, as the archive keeps them.
        await db.Channels.Where(c => c.Id == channel.Id).ExecuteUpdateAsync(s => s.SetProperty(c => c.ClipCount, 5));
        _clipId = await db.Clips.Where(c => c.ChannelId == channel.Id).Select(c => c.Id).FirstAsync();

        // Cards of every kind: posters made from a sample video, a file without video (the placeholder picture), one
        // still waiting for its poster, and one without a file.
        var clips = await db.Clips.Where(c => c.ChannelId == channel.Id).OrderBy(c => c.Id).Select(c => new { c.Id, c.AttachmentId }).ToListAsync();
        for (var i = 0; i < 4; i++)
        {
            var key = ClipSaver.Core.Storage.ClipStorageKeys.ForAttachment(_guildId, channel.Id, clips[i].AttachmentId!.Value, "clip.mp4");
            var bytes = i < 2 ? Thumbnails.ThumbnailJobTests.Sample("a.mp4") : "not a video"u8.ToArray();
            await RunAsync<ClipSaver.Core.Storage.IClipStorage>(s => s.PutAsync(key, new MemoryStream(bytes), 1 << 20, CancellationToken.None));
            await db.Clips.Where(c => c.Id == clips[i].Id).ExecuteUpdateAsync(s => s.SetProperty(c => c.StorageKey, key));
            if (i == 2)
            {
                await RunAsync<ClipSaver.Core.Thumbnails.ThumbnailJob>(j => j.RunAsync(CancellationToken.None));
            }
        }

        // Two changes, so that the settings history has entries, changes and restore buttons to check.
        var owner = ClipSaver.Core.Access.Actor.User(TestDiscord.Id(DemoUsers.Owner.Id));
        await RunAsync<ClipSaver.Core.Guilds.ChangeGuildSettings>(c => c.ChangeAsync(owner, _guildId,
            new ClipSaver.Core.Guilds.GuildSettings { MaxFileSizeMb = 200, ClipExtensions = ["mp4", "webm", "mov", "mkv", "m4v", "avi", "wmv", "flv", "3gp"] }, CancellationToken.None));
        await RunAsync<ClipSaver.Core.Guilds.ChangeGuildSettings>(c => c.ChangeAsync(owner, _guildId,
            new ClipSaver.Core.Guilds.GuildSettings { MaxFileSizeMb = 300, BackfillSince = new DateOnly(2024, 1, 1) }, CancellationToken.None));
    }

    private IEnumerable<(string? User, string Name, string Path)> Pages()
    {
        var owner = DemoUsers.Owner.Username;
        yield return (null, "home", "/");
        yield return (null, "login", "/login");
        yield return (null, "login-failed", "/login/failed");
        yield return (null, "not-found", "/no-such-page");
        yield return (null, "api-docs", "/api/docs");
        yield return (owner, "guilds", "/guilds");
        yield return (owner, "overview", $"/guilds/{_guildId}");
        yield return (owner, "channels", $"/guilds/{_guildId}/channels");
        yield return (owner, "clips", $"/guilds/{_guildId}/clips");
        yield return (owner, "clip", $"/guilds/{_guildId}/clips/{_clipId}");
        yield return (owner, "settings", $"/guilds/{_guildId}/settings");
        yield return (owner, "settings-history", $"/guilds/{_guildId}/settings/history");
        yield return (owner, "danger-zone", $"/guilds/{_guildId}/danger-zone");
        yield return (owner, "tokens", "/account/tokens");
        yield return (owner, "admin", "/admin");
        yield return (DemoUsers.Manager.Username, "manager-settings", $"/guilds/{_guildId}/settings");
        yield return (DemoUsers.Manager.Username, "manager-settings-history", $"/guilds/{_guildId}/settings/history");
        yield return (DemoUsers.Member.Username, "member-guilds", "/guilds");
        yield return (DemoUsers.Member.Username, "member-jobs", "/hangfire");
        yield return (DemoUsers.Member.Username, "my-clips", "/me");
        yield return (DemoUsers.Member.Username, "my-clips-search", "/me?q=phone-1");
    }

    [Theory]
    [InlineData(1280)]
    [InlineData(375)]
    public async Task Every_page_fits_the_screen_and_has_no_serious_accessibility_problem(int width)
    {
        var problems = new List<string>();
        var pages = new Dictionary<string, IPage>();
        foreach (var (user, name, path) in Pages())
        {
            var key = user ?? "";
            if (!pages.TryGetValue(key, out var page))
            {
                page = await OpenPageAsync(user, width);
                pages[key] = page;
            }

            await page.GotoAsync(path);
            try
            {
                // Let htmx and the API reference finish drawing; a page that polls never goes quiet, which is fine.
                await page.WaitForLoadStateAsync(LoadState.NetworkIdle, new() { Timeout = 5_000 });
            }
            catch (TimeoutException)
            {
            }
            await Browser.ScreenshotAsync(page, $"{width}/{name}");

            var overflow = await page.EvaluateAsync<int>("document.documentElement.scrollWidth - document.documentElement.clientWidth");
            if (overflow > 0)
            {
                var wide = await page.EvaluateAsync<string>(WidestElements);
                problems.Add($"{name} ({path}) is {overflow} px wider than the screen: {wide}");
            }

            var axe = await page.RunAxe();
            foreach (var violation in axe.Violations.Where(v => v.Impact is "serious" or "critical"))
            {
                var targets = string.Join(", ", violation.Nodes.Take(3).Select(n => n.Target.ToString()));
                problems.Add($"{name} ({path}): axe {violation.Impact} {violation.Id} ({violation.Nodes.Length}×) at {targets}");
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    // The elements that stick out past the right edge, for a message that says where to look.
    private const string WidestElements = """
        () => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth)
            .slice(0, 6)
            .map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ').join('.') : '') + ' ' + Math.round(e.getBoundingClientRect().right) + 'px')
            .join('; ')
        """;
}

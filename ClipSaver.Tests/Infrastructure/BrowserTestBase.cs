using Microsoft.Playwright;

namespace ClipSaver.Tests.Infrastructure;

/// <summary>
/// A test class that drives the real Chromium: it runs alone (<see cref="BrowserTestsRunAlone"/>), serves the app on
/// Kestrel before each test, and opens pages whose browser contexts are closed when the test ends.
/// </summary>
[Trait("Category", "Browser")]
[Collection(BrowserTestsRunAlone.Name)]
public abstract class BrowserTestBase : AppTestBase
{
    private readonly List<IBrowserContext> _contexts = [];

    /// <summary>The address the app answers on, for the browser.</summary>
    protected string BaseUrl { get; private set; } = "";

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        BaseUrl = App.StartOnKestrel();
    }

    /// <summary>A new page in a fresh browser context on the app; signed in through the consent page when a user is named.</summary>
    protected async Task<IPage> OpenPageAsync(string? signInAs = null, int width = 1280)
    {
        var context = await Browser.NewContextAsync(BaseUrl, width);
        _contexts.Add(context);
        var page = await context.NewPageAsync();
        if (signInAs is not null)
        {
            await Browser.SignInAsync(page, signInAs);
        }

        return page;
    }

    /// <summary>Reconciles, then opens the demo guild Clip Club's page at <paramref name="path"/> (below /guilds/ID/) signed in as the user.</summary>
    protected async Task<(EmulatedGuild Club, IPage Page)> OpenClipClubPageAsync(string signInAs, string path)
    {
        var club = await ReconciledDemoGuildAsync("Clip Club");
        var page = await OpenPageAsync(signInAs);
        await page.GotoAsync($"/guilds/{club.Id}/{path}");
        return (club, page);
    }

    /// <summary>
    /// Switches archiving on for the channels and runs a backfill of each to its end, so that a page has clips to show;
    /// then waits until the job server (which may have taken a scan first) has none queued or running.
    /// </summary>
    protected async Task ArchiveAsync(ulong guildId, IEnumerable<EmulatedChannel> channels)
    {
        foreach (var channel in channels)
        {
            await using (var db = Db.CreateContext())
            {
                await db.Channels.Where(c => c.Id == (long)channel.Id).ExecuteUpdateAsync(s => s.SetProperty(c => c.IsReading, true));
            }

            long runId = 0;
            await RunAsync<ClipSaver.Core.Scanning.Scans>(async s => runId = await s.StartAsync((long)guildId, (long)channel.Id, ScanKind.Backfill, CancellationToken.None));
            await RunAsync<ClipSaver.Core.Scanning.ScanJob>(j => j.RunAsync(runId, CancellationToken.None));
        }

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            await using var db = Db.CreateContext();
            if (!await db.ScanRuns.AnyAsync(r => r.Status == ScanStatus.Queued || r.Status == ScanStatus.Running))
            {
                break;
            }

            await Task.Delay(200);
        }
    }

    public override async Task DisposeAsync()
    {
        foreach (var context in _contexts)
        {
            await context.DisposeAsync();
        }

        await base.DisposeAsync();
    }
}

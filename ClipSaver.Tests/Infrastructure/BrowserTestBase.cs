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

    public override async Task DisposeAsync()
    {
        foreach (var context in _contexts)
        {
            await context.DisposeAsync();
        }

        await base.DisposeAsync();
    }
}

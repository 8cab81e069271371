using Microsoft.Playwright;

namespace ClipSaver.Tests.Infrastructure;

/// <summary>
/// Playwright driving the system's Chromium (Debian's 'chromium' package): never a downloaded browser. The test
/// command installs the package where it is missing (eng/test.sh).
/// </summary>
public static class Browser
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static IPlaywright? _playwright;
    private static IBrowser? _browser;

    public static string ChromiumPath => Environment.GetEnvironmentVariable("CLIPSAVER_CHROMIUM") ?? "/usr/bin/chromium";

    /// <summary>A new browser context on the app, 1280 px wide unless told otherwise (375 for a phone).</summary>
    public static async Task<IBrowserContext> NewContextAsync(string baseUrl, int width = 1280)
    {
        var browser = await GetAsync();
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseUrl,
            ViewportSize = new ViewportSize { Width = width, Height = width < 600 ? 740 : 900 },
            IsMobile = width < 600,
            HasTouch = width < 600,
        });
        // Clicks and page loads wait up to a minute instead of Playwright's 30 s: on two cores shared with a whole
        // test run (and sometimes more), a first page load once took longer than that. A real failure still fails.
        context.SetDefaultTimeout(60_000);
        return context;
    }

    /// <summary>Signs in through the emulator's consent page as the named Discord user; ends on /guilds.</summary>
    public static async Task SignInAsync(IPage page, string username)
    {
        await page.GotoAsync("/login");
        await page.GetByRole(AriaRole.Button, new() { Name = $"Sign in as {username}", Exact = true }).ClickAsync();
        await page.WaitForURLAsync(url => url.EndsWith("/guilds", StringComparison.Ordinal));
    }

    /// <summary>
    /// Saves a full-page screenshot as artifacts/screenshots/NAME.png at the repository's root (kept by the test
    /// command with the test results), or under the test output folder when the tests run outside a checkout.
    /// </summary>
    public static async Task<string> ScreenshotAsync(IPage page, string name)
    {
        var path = Path.Combine(ScreenshotFolder, name + ".png");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }

    private static string ScreenshotFolder { get; } = FindScreenshotFolder();

    private static string FindScreenshotFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ClipSaver.sln")))
            {
                return Path.Combine(dir.FullName, "artifacts", "screenshots");
            }
        }

        return Path.Combine(AppContext.BaseDirectory, "screenshots");
    }

    private static async Task<IBrowser> GetAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_browser is { IsConnected: true })
            {
                return _browser;
            }

            if (!File.Exists(ChromiumPath))
            {
                throw new InvalidOperationException(
                    $"Chromium was not found at {ChromiumPath}. Install it with 'apt-get install chromium' (the test command does this).");
            }

            _playwright ??= await Playwright.CreateAsync();
            _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ChromiumPath,
                Headless = true,
                // Root cannot use Chromium's sandbox; the background-networking switches stop calls to Google's
                // services, which this offline machine refuses.
                Args =
                [
                    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                ],
            });
            return _browser;
        }
        finally
        {
            Gate.Release();
        }
    }
}

namespace ClipSaver.Tests.Gateway;

/// <summary>The clip browser in the real Chromium shows a clip posted on Discord (the emulator) without a reload.</summary>
public sealed class LiveClipBrowserTests : BrowserTestBase
{
    protected override WorldShape World => WorldShape.Small;

    protected override IReadOnlyDictionary<string, string?> Settings => GatewayAppTestBase.GatewaySettings;

    protected override void ConfigureEmulator(EmulatorOptions options) => GatewayAppTestBase.ConfigureGateway(options);

    [Fact]
    public async Task A_clip_posted_on_Discord_appears_in_the_open_clip_browser()
    {
        var guild = Discord.World.Guilds.First(g => g.Name == "Clip Club");
        var channel = Discord.World.Channels(guild.Id).First(c => c.Type == 0);
        _ = App.Services.GetRequiredService<GatewayService>();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            await using var db = Db.CreateContext();
            if (await db.Channels.Where(c => c.Id == TestDiscord.Id(channel.Id)).ExecuteUpdateAsync(s => s.SetProperty(c => c.IsReading, true)) == 1)
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, "The guild's channels never arrived by GUILD_CREATE.");
            await Task.Delay(100);
        }

        var page = await OpenPageAsync(Discord.World.User(guild.OwnerId)!.Username);
        await page.GotoAsync($"/guilds/{guild.Id}/clips");
        await page.GetByTestId("new-clips-poller").WaitForAsync(new() { State = Microsoft.Playwright.WaitForSelectorState.Attached });
        var author = Discord.World.Members(guild.Id).First(m => !m.User.Bot).User.Id;
        Discord.World.PostMessage(channel.Id, author, "live!", new NewAttachment("live-from-discord.mp4", 6_000, "video/mp4"));

        await page.GetByTestId("new-clips").GetByText("live-from-discord.mp4").WaitForAsync(new() { Timeout = 20_000 });
        Assert.Equal(1, await page.GetByTestId("new-clips").GetByTestId("player").CountAsync());
    }
}

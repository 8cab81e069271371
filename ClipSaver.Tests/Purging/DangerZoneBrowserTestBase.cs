using Microsoft.Playwright;

namespace ClipSaver.Tests.Purging;

/// <summary>The danger zone's browser tests: the app with a short undo window and a job server, a guild's channels archived.</summary>
public abstract class DangerZoneBrowserTestBase : BrowserTestBase
{
    private EmulatedUser _owner = null!;

    /// <summary>A guild of the emulator's small world, its text channels archived.</summary>
    protected EmulatedGuild TargetGuild { get; private set; } = null!;

    /// <summary>The target guild's archived channels (its text channels that are not NSFW), in the world's order.</summary>
    protected IReadOnlyList<EmulatedChannel> ArchivedChannels { get; private set; } = [];

    /// <summary>The archived channel a test purges (the first).</summary>
    protected EmulatedChannel TargetChannel => ArchivedChannels[0];

    /// <summary>Another archived channel (the last), whose clips a purge of <see cref="TargetChannel"/> must leave alone.</summary>
    protected EmulatedChannel OtherChannel => ArchivedChannels[^1];

    protected override WorldShape World => WorldShape.Small;

    protected override IReadOnlyDictionary<string, string?> Settings =>
        TestJobs.ServerSettings("00:00:01", workers: 2, ("ClipSaver:Purge:UndoWindow", "00:00:10"));

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        TargetGuild = await ReconciledBotGuildAsync();
        _owner = Discord.World.User(TargetGuild.OwnerId)!;
        ArchivedChannels = [.. TextChannels(TargetGuild)];
        await ArchiveAsync(TargetGuild.Id, ArchivedChannels);
    }

    /// <summary>The owner on the danger zone.</summary>
    protected async Task<IPage> SignedInPageAsync()
    {
        var page = await OpenPageAsync(_owner.Username);
        await page.GotoAsync($"/guilds/{TargetGuild.Id}/danger-zone");
        await page.GetByTestId("danger-zone").WaitForAsync();
        return page;
    }
}

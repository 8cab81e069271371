using System.Text.RegularExpressions;

namespace ClipSaver.Tests.Infrastructure;

/// <summary>A test on the demo guild "Clip Club", reconciled, with its first text channel at hand.</summary>
public abstract partial class ClipClubTestBase : AppTestBase
{
    protected long GuildId { get; private set; }

    protected long ChannelId { get; private set; }

    protected string ChannelName { get; private set; } = "";

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        (GuildId, var channel) = await ReconciledClipClubAsync();
        (ChannelId, ChannelName) = (channel.Id, channel.Name);
    }

    /// <summary>A version of the settings history of another guild (stored directly), for "another guild's version is unknown".</summary>
    protected async Task<long> OtherGuildsSettingsVersionAsync()
    {
        await using var db = Db.CreateContext();
        var other = TestData.Guild(ownerId: TestDiscord.Id(DemoUsers.Owner.Id));
        db.Guilds.Add(other);
        await db.SaveChangesAsync();
        var version = new GuildSettingsVersion { GuildId = other.Id, CreatedAt = DateTimeOffset.UtcNow, Kind = SettingsVersionKind.Changed, SettingsJson = "{\"maxFileSizeMb\":7}" };
        db.GuildSettingsVersions.Add(version);
        await db.SaveChangesAsync();
        return version.Id;
    }

    /// <summary>The antiforgery token a page of the app carries for its forms.</summary>
    protected static string CsrfTokenOf(string page) => CsrfToken().Match(page).Groups[1].Value;

    [GeneratedRegex("<meta name=\"csrf-token\" content=\"([^\"]+)\"")]
    private static partial Regex CsrfToken();
}

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
        await ReconcileAsync();
        GuildId = (long)DemoGuild("Clip Club").Id;
        await using var db = Db.CreateContext();
        var channel = await db.Channels.Where(c => c.GuildId == GuildId && c.Type == 0 && !c.IsThread).OrderBy(c => c.Position).FirstAsync();
        (ChannelId, ChannelName) = (channel.Id, channel.Name);
    }

    /// <summary>The antiforgery token a page of the app carries for its forms.</summary>
    protected static string CsrfTokenOf(string page) => CsrfToken().Match(page).Groups[1].Value;

    [GeneratedRegex("<meta name=\"csrf-token\" content=\"([^\"]+)\"")]
    private static partial Regex CsrfToken();
}

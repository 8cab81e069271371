namespace ClipSaver.Core.Purging;

/// <summary>What the owner types to confirm a purge. Compared exactly (ordinal, case-sensitive).</summary>
public static class PurgePhrases
{
    public const string AllChannels = "DELETE ALL CHANNELS";
    public const string Guild = "DELETE SERVER";

    /// <summary>The whole-server phrase of earlier versions, still accepted so that scripts keep working.</summary>
    public const string GuildFormer = "DELETE GUILD";

    public static string For(PurgeScope scope, string? channelName) => scope switch
    {
        PurgeScope.Channel => channelName ?? throw new ArgumentNullException(nameof(channelName)),
        PurgeScope.AllChannels => AllChannels,
        PurgeScope.Guild => Guild,
        _ => throw new ArgumentOutOfRangeException(nameof(scope)),
    };

    public static bool Matches(string expected, string? typed) =>
        string.Equals(expected, typed, StringComparison.Ordinal)
        || (expected == Guild && string.Equals(GuildFormer, typed, StringComparison.Ordinal));
}

namespace ClipSaver.Core.Purging;

/// <summary>
/// What a purge covers and how it is confirmed. A channel purge covers the channel and its threads: threads are archived
/// because their channel is, and an owner who purges a channel expects its archive, threads included, to be gone
/// (docs/decisions/006-purge-fence.md). A thread purged on its own covers just the thread.
/// </summary>
public static class PurgeScopes
{
    /// <summary>The channel first, then its threads (known to ClipSaver, deleted on Discord or not).</summary>
    public static async Task<long[]> ChannelIdsAsync(ClipSaverDbContext db, long guildId, long channelId, CancellationToken cancellationToken)
    {
        var threads = await db.Channels
            .Where(c => c.GuildId == guildId && c.IsThread && c.ParentId == channelId && c.Id != channelId)
            .OrderBy(c => c.Id).Select(c => c.Id).ToListAsync(cancellationToken);
        return [channelId, .. threads];
    }

    /// <summary>
    /// A scope an owner may ask for, with a channel exactly when the scope is a channel. A member's deletion of their
    /// own clips (<see cref="PurgeScope.Author"/>) is not one: it has its own use case (<c>OwnData/DeleteOwnClips</c>).
    /// </summary>
    public static bool IsWellFormed(PurgeScope scope, long? channelId) =>
        Enum.IsDefined(scope) && scope != PurgeScope.Author && (scope == PurgeScope.Channel) == channelId.HasValue;

    /// <summary>For use cases: their callers bind and check the input, so a malformed scope here is a bug.</summary>
    public static void EnsureWellFormed(PurgeScope scope, long? channelId)
    {
        if (!IsWellFormed(scope, channelId))
        {
            throw new ArgumentException("A channel purge needs a channel, and only a channel purge takes one.", nameof(channelId));
        }
    }

    /// <summary>The purge's name in sentences, audit events and the danger zone's list; a narrower purge says what it takes.</summary>
    public static string Describe(PurgeScope scope, string? channelName, PurgeFilter? filter = null) => filter is { IsNarrow: true } f
        ? scope == PurgeScope.Channel ? $"Purge of {f.Describe()} in #{channelName}" : $"Purge of {f.Describe()} in all channels"
        : scope switch
        {
            PurgeScope.Channel => $"Purge of channel #{channelName}",
            PurgeScope.AllChannels => "Purge of all channels",
            PurgeScope.Author => "Deletion of a member's own clips",
            _ => "Purge of the whole server",
        };

    /// <summary>What the owner types to confirm the whole-channels purge. Phrases are compared exactly (ordinal, case-sensitive).</summary>
    public const string AllChannelsPhrase = "DELETE ALL CHANNELS";
    public const string GuildPhrase = "DELETE SERVER";

    /// <summary>The whole-server phrase of earlier versions, still accepted so that scripts keep working.</summary>
    public const string GuildFormerPhrase = "DELETE GUILD";

    /// <summary>What the owner types to confirm a purge of <paramref name="scope"/>: a channel's name, or a fixed phrase.</summary>
    public static string Phrase(PurgeScope scope, string? channelName) => scope switch
    {
        PurgeScope.Channel => channelName ?? throw new ArgumentNullException(nameof(channelName)),
        PurgeScope.AllChannels => AllChannelsPhrase,
        PurgeScope.Guild => GuildPhrase,
        _ => throw new ArgumentOutOfRangeException(nameof(scope)),
    };

    public static bool PhraseMatches(string expected, string? typed) =>
        string.Equals(expected, typed, StringComparison.Ordinal)
        || (expected == GuildPhrase && string.Equals(GuildFormerPhrase, typed, StringComparison.Ordinal));
}

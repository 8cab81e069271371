namespace ClipSaver.Core.Purging;

/// <summary>One clip of a clip list: where it was posted, by whom, and the file.</summary>
public sealed record ClipRow(string Channel, long GuildId, long ChannelId, long MessageId, string Author, string FileName, long SizeBytes, DateTimeOffset PostedAt, string? Sha256);

/// <summary>
/// The clips a purge would delete, so that nobody purges blind: the danger zone's download and the API's
/// <c>purges/preview/clips.csv</c>. The owner's, like the preview it is linked from.
/// </summary>
public sealed class ListPurgeClips(ClipSaverDbContext db, GuildAccess access, TimeProvider clock)
{
    /// <returns><see cref="PurgeResult.ClipList"/> (by channel, then oldest first; the preview's own query) or a refusal.</returns>
    public async Task<PurgeResult> RunAsync(Actor actor, long guildId, PurgeScope scope, long? channelId, CancellationToken cancellationToken, PurgeFilter? filter = null)
    {
        if ((await PurgeResult.CheckScopeAsync(db, access, clock, actor, guildId, scope, channelId, filter ?? PurgeFilter.None, live: false, cancellationToken)).Refusal is { } refused)
        {
            return refused;
        }

        var rows = PurgePreview.ClipsOf(db, guildId, scope, channelId, filter).AsNoTracking()
            .OrderBy(c => c.ChannelId).ThenBy(c => c.PostedAt).ThenBy(c => c.Id)
            .Select(c => new ClipRow(
                db.Channels.Where(ch => ch.Id == c.ChannelId).Select(ch => ch.Name).FirstOrDefault() ?? "",
                c.GuildId, c.ChannelId, c.MessageId,
                db.Users.Where(u => u.Id == c.AuthorId).Select(u => u.Username).FirstOrDefault() ?? "",
                c.FileName, c.SizeBytes, c.PostedAt, c.Sha256))
            .AsAsyncEnumerable();
        var fileName = scope == PurgeScope.Channel ? $"clips-{guildId}-{channelId}.csv" : $"clips-{guildId}.csv";
        return new PurgeResult.ClipList(rows, fileName);
    }
}

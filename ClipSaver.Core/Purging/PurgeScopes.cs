using ClipSaver.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace ClipSaver.Core.Purging;

/// <summary>
/// The channels a purge covers. A channel purge covers the channel and its threads: threads are archived because their
/// channel is, and an owner who purges a channel expects its archive, threads included, to be gone
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
}

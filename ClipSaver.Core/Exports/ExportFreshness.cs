namespace ClipSaver.Core.Exports;

/// <summary>Whether an owner holds an export of a scope that is newer than its newest clip: the danger zone offers "export first" when not.</summary>
public static class ExportFreshness
{
    /// <param name="channelId">A channel purge's channel (an export of that channel or of the whole guild counts); null for the whole guild.</param>
    public static async Task<bool> HasFreshExportAsync(ClipSaverDbContext db, long userId, long guildId, long? channelId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var newest = await db.Clips.Where(c => c.GuildId == guildId && (channelId == null || c.ChannelId == channelId)).MaxAsync(c => (DateTimeOffset?)c.ArchivedAt, cancellationToken);
        if (newest is null)
        {
            return true; // nothing to lose
        }

        return await db.Exports.AnyAsync(x => x.UserId == userId && x.IsGuildExport && x.GuildId == guildId && (x.ChannelId == null || x.ChannelId == channelId)
            && x.Status == ExportStatus.Completed && x.FinishedAt > newest && x.ExpiresAt > now, cancellationToken);
    }
}

namespace ClipSaver.Core.Purging;

/// <summary>
/// What a purge would delete, whether its cooldown allows it now, and the phrase that confirms it: the danger zone's
/// preview and the API's <c>purges/preview</c>. For the owner (as last read from Discord; the request re-checks live).
/// Counted when asked, never on an ordinary page view, and outside any transaction.
/// </summary>
public sealed class PreviewPurge(ClipSaverDbContext db, GuildAccess access, TimeProvider clock)
{
    /// <returns><see cref="PurgeResult.Previewed"/> or a refusal.</returns>
    public async Task<PurgeResult> RunAsync(Actor actor, long guildId, PurgeScope scope, long? channelId, CancellationToken cancellationToken, PurgeFilter? filter = null)
    {
        PurgeScopes.EnsureWellFormed(scope, channelId);
        filter ??= PurgeFilter.None;
        if ((await PurgeResult.RefuseUnlessOwnerAsync(db, access, actor, guildId, live: false, cancellationToken) ?? filter.Check(scope, clock)) is { } refused)
        {
            return refused;
        }

        string? name = null;
        DateTimeOffset? cooldown = null;
        if (scope == PurgeScope.Channel)
        {
            var channel = await db.Channels.AsNoTracking().Where(c => c.Id == channelId && c.GuildId == guildId)
                .Select(c => new { c.Name, c.PurgeCooldownUntil }).FirstOrDefaultAsync(cancellationToken);
            if (channel is null)
            {
                return new PurgeResult.NotFound(PurgeResult.NotFound.Channel);
            }

            (name, cooldown) = (channel.Name, channel.PurgeCooldownUntil);
        }
        else if (scope == PurgeScope.AllChannels)
        {
            cooldown = await db.Guilds.Where(g => g.Id == guildId).Select(g => g.AllChannelsPurgeCooldownUntil).FirstAsync(cancellationToken);
        }

        var counts = await PurgePreview.CountAsync(db, guildId, scope, channelId, cancellationToken, filter);
        var now = clock.GetUtcNow();
        return new PurgeResult.Previewed(guildId, scope, channelId, name, counts, cooldown > now ? cooldown : null, PurgeScopes.Phrase(scope, name), filter);
    }
}

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
        filter ??= PurgeFilter.None;
        var (refused, channel) = await PurgeResult.CheckScopeAsync(db, access, clock, actor, guildId, scope, channelId, filter, live: false, cancellationToken);
        if (refused is not null)
        {
            return refused;
        }

        var cooldown = scope == PurgeScope.AllChannels
            ? await db.Guilds.Where(g => g.Id == guildId).Select(g => g.AllChannelsPurgeCooldownUntil).FirstAsync(cancellationToken)
            : channel?.CooldownUntil;
        var counts = await PurgePreview.CountAsync(db, guildId, scope, channelId, cancellationToken, filter);
        var now = clock.GetUtcNow();
        return new PurgeResult.Previewed(guildId, scope, channelId, channel?.Name, counts, cooldown > now ? cooldown : null, PurgeScopes.Phrase(scope, channel?.Name), filter);
    }
}

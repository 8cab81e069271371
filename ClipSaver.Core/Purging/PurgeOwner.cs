using ClipSaver.Core.Access;

namespace ClipSaver.Core.Purging;

/// <summary>
/// Purges are the guild owner's alone (design brief §4; docs/decisions/007-access.md); ClipSaver itself may purge
/// too (the grace-period deletion). Every purge use case asks here first.
/// </summary>
internal static class PurgeOwner
{
    /// <summary>
    /// Null when the actor may purge the guild; otherwise the refusal: not found for a guild the user may not see (or
    /// that does not exist), not the owner for a manager. <paramref name="live"/> asks Discord now, whatever the cache
    /// says: before anything is recorded or cancelled.
    /// </summary>
    public static async Task<PurgeResult?> RefuseAsync(ClipSaverDbContext db, GuildAccess access, Actor actor, long guildId, bool live, CancellationToken cancellationToken)
    {
        if (actor.UserId is not { } userId)
        {
            return await db.Guilds.AnyAsync(g => g.Id == guildId, cancellationToken) ? null : new PurgeResult.NotFound(PurgeResult.NotFound.Guild);
        }

        var role = live ? await access.GetLiveRoleAsync(guildId, userId, cancellationToken) : await access.GetRoleAsync(guildId, userId, cancellationToken);
        return role switch
        {
            GuildRole.Owner => null,
            GuildRole.Manager => new PurgeResult.NotOwner(),
            _ => new PurgeResult.NotFound(PurgeResult.NotFound.Guild),
        };
    }
}

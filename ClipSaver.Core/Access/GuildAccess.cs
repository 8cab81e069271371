using Microsoft.Extensions.Caching.Memory;

namespace ClipSaver.Core.Access;

/// <summary>What a user is to a guild, in ClipSaver's terms.</summary>
public enum GuildRole
{
    /// <summary>Not allowed to know the guild exists (pages answer 404).</summary>
    None,

    /// <summary>MANAGE_GUILD or ADMINISTRATOR: dashboard, settings, archiving.</summary>
    Manager,

    /// <summary>The guild's owner: everything, including purges.</summary>
    Owner,
}

/// <summary>Section <c>ClipSaver:Access</c>.</summary>
public sealed class AccessOptions
{
    public const string Section = "ClipSaver:Access";

    /// <summary>How long a user's rights in a guild, read from Discord, are trusted before being read again.</summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan CacheDuration { get; set; } = TimeSpan.FromSeconds(60);
}

/// <summary>
/// Decides a user's role in a guild from what the bot sees on Discord (the guild's <c>owner_id</c>, the member's roles
/// and their permission bits), cached for <see cref="AccessOptions.CacheDuration"/>. When the bot can no longer see the
/// guild (removed, or the guild purged), the last known owner keeps owner rights over what is still stored, and
/// managers from the login-time guild list keep read access.
/// </summary>
public sealed partial class GuildAccess(
    ClipSaverDbContext db,
    DiscordRestClient discord,
    IMemoryCache cache,
    IOptionsMonitor<AccessOptions> options,
    ILogger<GuildAccess> logger)
{
    public async Task<GuildRole> GetRoleAsync(long guildId, long userId, CancellationToken cancellationToken)
    {
        var key = (nameof(GuildAccess), guildId, userId);
        if (cache.TryGetValue(key, out GuildRole role))
        {
            return role;
        }

        return await GetLiveRoleAsync(guildId, userId, cancellationToken);
    }

    /// <summary>Reads the role from Discord now (before any purge), and refreshes the cache.</summary>
    public async Task<GuildRole> GetLiveRoleAsync(long guildId, long userId, CancellationToken cancellationToken)
    {
        var role = await ReadRoleAsync(guildId, userId, cancellationToken);
        cache.Set((nameof(GuildAccess), guildId, userId), role, options.CurrentValue.CacheDuration);
        return role;
    }

    /// <summary>Forgets cached rights for a guild's user, e.g. after a reconciliation changed the guild.</summary>
    public void Forget(long guildId, long userId) => cache.Remove((nameof(GuildAccess), guildId, userId));

    private async Task<GuildRole> ReadRoleAsync(long guildId, long userId, CancellationToken cancellationToken)
    {
        var guild = await db.Guilds.AsNoTracking().Where(g => g.Id == guildId)
            .Select(g => new { g.OwnerId, g.DeletedAt }).FirstOrDefaultAsync(cancellationToken);
        if (guild is null)
        {
            return GuildRole.None;
        }

        if (guild.DeletedAt is null)
        {
            try
            {
                return await ReadFromDiscordAsync(guildId, userId, cancellationToken);
            }
            catch (DiscordApiException e) when (e.IsAccessLost)
            {
                // The bot lost the guild before reconciliation noticed; fall through to what is stored.
                LogAccessLost(logger, guildId, e.Code);
            }
        }

        if (guild.OwnerId == userId)
        {
            return GuildRole.Owner;
        }

        var known = await db.UserGuildAccess.AsNoTracking()
            .Where(a => a.GuildId == guildId && a.UserId == userId)
            .Select(a => new { a.IsOwner, a.Permissions })
            .FirstOrDefaultAsync(cancellationToken);
        return known is not null && GuildRights.CanManage(known.IsOwner, known.Permissions) ? GuildRole.Manager : GuildRole.None;
    }

    private async Task<GuildRole> ReadFromDiscordAsync(long guildId, long userId, CancellationToken cancellationToken)
    {
        var id = Snowflake.FromInt64(guildId);
        var guild = await discord.GetGuildAsync(id, cancellationToken);
        if (guild.OwnerId.ToInt64() != await db.Guilds.Where(g => g.Id == guildId).Select(g => g.OwnerId).FirstAsync(cancellationToken))
        {
            await db.Guilds.Where(g => g.Id == guildId).ExecuteUpdateAsync(s => s.SetProperty(g => g.OwnerId, guild.OwnerId.ToInt64()), cancellationToken);
        }

        if (guild.OwnerId.ToInt64() == userId)
        {
            return GuildRole.Owner;
        }

        var member = await discord.TryGetGuildMemberAsync(id, Snowflake.FromInt64(userId), cancellationToken);
        if (member is null)
        {
            return GuildRole.None;
        }

        var roles = await discord.GetGuildRolesAsync(id, cancellationToken);
        var permissions = 0UL;
        foreach (var r in roles)
        {
            // The @everyone role has the guild's id and applies to every member.
            if (r.Id == id || member.Roles.Contains(r.Id))
            {
                permissions |= ulong.Parse(r.Permissions, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return GuildRights.CanManage(false, unchecked((long)permissions)) ? GuildRole.Manager : GuildRole.None;
    }

    [LoggerMessage(LogLevel.Information, "The bot cannot see guild {GuildId} any more ({Code}); using stored rights.")]
    private static partial void LogAccessLost(ILogger logger, long guildId, int? code);
}

namespace ClipSaver.Web.Pages.Guilds;

/// <summary>What every page of a guild shows at the top: name, icon, the viewer's role, and the deleted-guild banner.</summary>
public sealed record GuildHeader(
    long Id,
    string Name,
    string? Icon,
    GuildRole Role,
    DateTimeOffset? DeletedAt,
    GuildDeletionReason? DeletionReason,
    DateTimeOffset? PurgedAt,
    DateTimeOffset? DataDeletedOn)
{
    public bool IsDeleted => DeletedAt is not null;

    /// <summary>Changes (switches, settings, scans) are for managers and owners of a guild the bot is still in.</summary>
    public bool CanChange => !IsDeleted && Role >= GuildRole.Manager;

    public bool IsOwner => Role == GuildRole.Owner;
}

/// <summary>Loads a guild's header for the signed-in user; null when the user may not see the guild (the page answers 404).</summary>
public sealed class GuildContext(ClipSaverDbContext db, GuildAccess access, IOptionsMonitor<RetentionOptions> retention)
{
    public async Task<GuildHeader?> LoadAsync(long guildId, System.Security.Claims.ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (user.DiscordUserId() is not { } userId)
        {
            return null;
        }

        var role = await access.GetRoleAsync(guildId, userId, cancellationToken);
        if (role == GuildRole.None)
        {
            return null;
        }

        var g = await db.Guilds.AsNoTracking().Where(x => x.Id == guildId)
            .Select(x => new { x.Name, x.IconHash, x.DeletedAt, x.DeletionReason, x.PurgedAt })
            .FirstAsync(cancellationToken);
        DateTimeOffset? dataDeletedOn = g.DeletedAt is { } deleted && g.PurgedAt is null
            ? deleted.AddDays(retention.CurrentValue.RemovedGuildGraceDays)
            : null;
        return new GuildHeader(guildId, g.Name, g.IconHash, role, g.DeletedAt, g.DeletionReason, g.PurgedAt, dataDeletedOn);
    }
}

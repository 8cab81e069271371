namespace ClipSaver.Core.Access;

/// <summary>
/// Who performs an action: a signed-in user (a page, an API token, later a Gateway command) or ClipSaver itself (a
/// job, demo mode). Use cases take one and check its rights themselves, so that no way in can forget a rule; the
/// system acts on every guild.
/// </summary>
public sealed record Actor
{
    private Actor(long? userId, long? apiTokenId = null) => (UserId, ApiTokenId) = (userId, apiTokenId);

    /// <summary>ClipSaver acting on its own behalf, e.g. the grace-period deletion of a removed guild.</summary>
    public static Actor System { get; } = new((long?)null);

    /// <summary>The Discord user who acts; null for <see cref="System"/>.</summary>
    public long? UserId { get; }

    /// <summary>The API token the user acts through, when they act through one (recorded in the settings history).</summary>
    public long? ApiTokenId { get; }

    public static Actor User(long userId) => new(userId);

    /// <summary>A user acting through one of their API tokens: the same rights as the user.</summary>
    public static Actor ByToken(long userId, long apiTokenId) => new(userId, apiTokenId);

    public override string ToString() => UserId is { } id ? $"user {id}" : "system";
}

public static class ActorRoles
{
    /// <summary>The actor's role in a guild: the user's as <see cref="GuildAccess"/> reads it (cached); the system is treated as the owner.</summary>
    public static Task<GuildRole> RoleOfAsync(this GuildAccess access, Actor actor, long guildId, CancellationToken cancellationToken) =>
        actor.UserId is { } userId ? access.GetRoleAsync(guildId, userId, cancellationToken) : Task.FromResult(GuildRole.Owner);
}

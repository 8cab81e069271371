namespace ClipSaver.Core.Access;

/// <summary>
/// Who does an action: a signed-in user (whose rights in the guild the use case checks), or the system (a job, demo
/// mode), which acts on every guild.
/// </summary>
public sealed record Actor
{
    private Actor(long? userId) => UserId = userId;

    /// <summary>The Discord user id; null for the system.</summary>
    public long? UserId { get; }

    public static Actor System { get; } = new((long?)null);

    public static Actor User(long userId) => new(userId);
}

public static class ActorRoles
{
    /// <summary>The actor's role in a guild: the user's as <see cref="GuildAccess"/> reads it (cached); the system is treated as the owner.</summary>
    public static Task<GuildRole> RoleOfAsync(this GuildAccess access, Actor actor, long guildId, CancellationToken cancellationToken) =>
        actor.UserId is { } userId ? access.GetRoleAsync(guildId, userId, cancellationToken) : Task.FromResult(GuildRole.Owner);
}

using ClipSaver.Core.Access;

namespace ClipSaver.Core.Guilds;

public abstract record SettingsChangeResult
{
    private SettingsChangeResult()
    {
    }

    /// <summary>Saved with its audit event; the guild's effective settings now.</summary>
    public sealed record Saved(GuildSettings Settings) : SettingsChangeResult;

    /// <summary>Field errors keyed by property name (<see cref="GuildSettings.Validate"/>); nothing was saved.</summary>
    public sealed record Invalid(IReadOnlyDictionary<string, string[]> Errors) : SettingsChangeResult;

    /// <summary>The bot was removed from the guild: its settings are kept but may not change.</summary>
    public sealed record GuildRemoved : SettingsChangeResult;

    /// <summary>The guild does not exist or the actor may not see it.</summary>
    public sealed record UnknownGuild : SettingsChangeResult;
}

/// <summary>Replaces a guild's settings and records who changed what (audit event <c>settings.changed</c>).</summary>
public sealed class ChangeGuildSettings(ClipSaverDbContext db, GuildAccess access, GuildSettingsStore store, TimeProvider clock)
{
    public const string ReadOnlyMessage = "ClipSaver is no longer in this server; its settings are read-only.";

    public async Task<SettingsChangeResult> ChangeAsync(Actor actor, long guildId, GuildSettings settings, CancellationToken cancellationToken)
    {
        if (await access.RoleOfAsync(actor, guildId, cancellationToken) == GuildRole.None)
        {
            return new SettingsChangeResult.UnknownGuild();
        }

        if (await db.Guilds.AnyAsync(g => g.Id == guildId && g.DeletedAt != null, cancellationToken))
        {
            return new SettingsChangeResult.GuildRemoved();
        }

        var errors = settings.Validate();
        if (errors.Count > 0)
        {
            return new SettingsChangeResult.Invalid(errors);
        }

        var before = await store.GetAsync(guildId, cancellationToken);
        await store.StageAsync(guildId, settings, actor.UserId, cancellationToken);
        db.AuditEvents.Add(new AuditEvent
        {
            GuildId = guildId,
            ActorUserId = actor.UserId,
            Action = "settings.changed",
            Summary = "Settings changed.",
            DataJson = System.Text.Json.JsonSerializer.Serialize(new { before, after = settings }, GuildSettings.Json),
            CreatedAt = clock.GetUtcNow(),
        });
        await db.SaveChangesAsync(cancellationToken);
        return new SettingsChangeResult.Saved(await store.GetAsync(guildId, cancellationToken));
    }
}

namespace ClipSaver.Core.Guilds;

public abstract record SettingsChangeResult
{
    private SettingsChangeResult()
    {
    }

    /// <summary>
    /// The guild's effective settings now. <paramref name="VersionId"/> is the history entry the change wrote (with its
    /// audit event); null when the settings already held these values, so nothing was written.
    /// </summary>
    public sealed record Saved(GuildSettings Settings, long? VersionId, IReadOnlyList<SettingsChange> Changes) : SettingsChangeResult
    {
        public bool Changed => VersionId is not null;
    }

    /// <summary>Field errors keyed by property name (<see cref="GuildSettings.Validate"/>); nothing was saved.</summary>
    public sealed record Invalid(IReadOnlyDictionary<string, string[]> Errors) : SettingsChangeResult;

    /// <summary>The bot was removed from the guild: its settings are kept but may not change.</summary>
    public sealed record GuildRemoved : SettingsChangeResult;

    /// <summary>The guild does not exist or the actor may not see it.</summary>
    public sealed record UnknownGuild : SettingsChangeResult;

    /// <summary>A restore named a version that is not in this guild's history (<see cref="RestoreGuildSettings"/> only).</summary>
    public sealed record UnknownVersion : SettingsChangeResult;
}

/// <summary>
/// Replaces a guild's settings and records who changed what: a version in the settings history
/// (<c>guild_settings_versions</c>, docs/decisions/023-settings-history.md) and the audit event <c>settings.changed</c>
/// (<c>settings.restored</c> for a restore), in one transaction. Settings equal to the current ones write nothing.
/// </summary>
public sealed class ChangeGuildSettings(ClipSaverDbContext db, GuildAccess access, GuildSettingsStore store, TimeProvider clock)
{
    public const string ReadOnlyMessage = "ClipSaver is no longer in this server; its settings are read-only.";

    public Task<SettingsChangeResult> ChangeAsync(Actor actor, long guildId, GuildSettings settings, CancellationToken cancellationToken) =>
        ApplyAsync(actor, guildId, settings, restoring: null, cancellationToken);

    /// <summary>The one path of every change; <paramref name="restoring"/> is the version a restore puts back.</summary>
    internal async Task<SettingsChangeResult> ApplyAsync(Actor actor, long guildId, GuildSettings settings, GuildSettingsVersion? restoring, CancellationToken cancellationToken)
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

        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
        // Serialises the guild's changes, so that each version's "before" is the previous version's "after".
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtextextended('clipsaver:settings:' || {guildId}::text, 0))", cancellationToken);
        var before = await store.GetAsync(guildId, cancellationToken);
        var changes = SettingsChanges.Between(before, settings);
        if (changes.Count == 0)
        {
            return new SettingsChangeResult.Saved(before, null, changes);
        }

        var now = clock.GetUtcNow();
        if (!await db.GuildSettingsVersions.AnyAsync(v => v.GuildId == guildId, cancellationToken))
        {
            db.GuildSettingsVersions.Add(await InitialVersionAsync(guildId, before, now, cancellationToken));
        }

        await store.StageAsync(guildId, settings, actor.UserId, cancellationToken);
        var version = new GuildSettingsVersion
        {
            GuildId = guildId,
            CreatedAt = now,
            Kind = restoring is null ? SettingsVersionKind.Changed : SettingsVersionKind.Restored,
            ActorUserId = actor.UserId,
            ActorName = await NameOfAsync(actor.UserId, cancellationToken),
            ApiTokenId = actor.ApiTokenId,
            ApiTokenName = actor.ApiTokenId is { } tokenId
                ? await db.ApiTokens.Where(t => t.Id == tokenId).Select(t => t.Name).FirstOrDefaultAsync(cancellationToken)
                : null,
            BeforeJson = JsonSerializer.Serialize(before, GuildSettings.Json),
            SettingsJson = JsonSerializer.Serialize(settings, GuildSettings.Json),
            RestoredFromId = restoring?.Id,
            RestoredFromAt = restoring?.CreatedAt,
        };
        db.GuildSettingsVersions.Add(version);
        db.AuditEvents.Add(new AuditEvent
        {
            GuildId = guildId,
            ActorUserId = actor.UserId,
            Action = restoring is null ? "settings.changed" : "settings.restored",
            Summary = restoring is null ? "Settings changed." : $"Settings restored to the version of {Display.Time(restoring.CreatedAt)}.",
            DataJson = JsonSerializer.Serialize(new { before, after = settings }, GuildSettings.Json),
            CreatedAt = now,
        });
        await db.SaveChangesAsync(cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return new SettingsChangeResult.Saved(await store.GetAsync(guildId, cancellationToken), version.Id, changes);
    }

    /// <summary>
    /// The settings before the first recorded change, written with it so that they can be restored too: the time and
    /// person of the last change made before the history existed, or the defaults since the bot joined.
    /// </summary>
    private async Task<GuildSettingsVersion> InitialVersionAsync(long guildId, GuildSettings before, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var row = await db.GuildSettings.AsNoTracking().Where(s => s.GuildId == guildId).Select(s => new { s.UpdatedAt, s.UpdatedBy }).FirstOrDefaultAsync(cancellationToken);
        var joined = await db.Guilds.Where(g => g.Id == guildId).Select(g => g.BotJoinedAt ?? g.CreatedAt).FirstAsync(cancellationToken);
        var at = row?.UpdatedAt ?? joined;
        return new GuildSettingsVersion
        {
            GuildId = guildId,
            CreatedAt = at > now ? now : at,
            Kind = SettingsVersionKind.Initial,
            ActorUserId = row?.UpdatedBy,
            ActorName = await NameOfAsync(row?.UpdatedBy, cancellationToken),
            SettingsJson = JsonSerializer.Serialize(before, GuildSettings.Json),
        };
    }

    private async Task<string?> NameOfAsync(long? userId, CancellationToken cancellationToken) => userId is { } id
        ? await db.Users.Where(u => u.Id == id).Select(u => u.GlobalName ?? u.Username).FirstOrDefaultAsync(cancellationToken)
        : null;
}

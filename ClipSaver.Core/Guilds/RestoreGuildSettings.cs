namespace ClipSaver.Core.Guilds;

/// <summary>
/// Puts back the settings of one version of the guild's history through <see cref="ChangeGuildSettings"/>: the same
/// rights, read-only rule and validation, and a history entry of its own ("restored the version of …"). A version
/// equal to the current settings changes nothing (<see cref="SettingsChangeResult.Saved.Changed"/> is false).
/// </summary>
public sealed class RestoreGuildSettings(ClipSaverDbContext db, GuildAccess access, GuildSettingsStore store, ChangeGuildSettings change)
{
    public async Task<SettingsChangeResult> RestoreAsync(Actor actor, long guildId, long versionId, CancellationToken cancellationToken)
    {
        // Rights first, so that a guild the actor may not see says nothing about its versions.
        if (await access.RoleOfAsync(actor, guildId, cancellationToken) == GuildRole.None)
        {
            return new SettingsChangeResult.UnknownGuild();
        }

        var version = await db.GuildSettingsVersions.AsNoTracking().FirstOrDefaultAsync(v => v.Id == versionId && v.GuildId == guildId, cancellationToken);
        if (version is null)
        {
            return new SettingsChangeResult.UnknownVersion();
        }

        // Over today's defaults, so that a setting added after this version was written takes its default.
        return await change.ApplyAsync(actor, guildId, GuildSettings.Merge(store.Defaults, version.SettingsJson), version, cancellationToken);
    }
}

/// <summary>The sentences a restore answers with, the same on the page and in the API.</summary>
public static class RestoreMessages
{
    public const string Unchanged = "That version is the same as the current settings; nothing was changed.";

    public static string Restored(IReadOnlyList<SettingsChange> changes) =>
        "Restored: " + string.Join("; ", changes.Select(c => c.ToString())) + ".";
}

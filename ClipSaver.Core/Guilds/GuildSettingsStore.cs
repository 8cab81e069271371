namespace ClipSaver.Core.Guilds;

/// <summary>Reads a guild's effective settings and saves changes (only the values that differ from the defaults).</summary>
public sealed class GuildSettingsStore(ClipSaverDbContext db, IOptionsMonitor<GuildSettings> defaults, TimeProvider clock)
{
    public GuildSettings Defaults => defaults.CurrentValue;

    public async Task<GuildSettings> GetAsync(long guildId, CancellationToken cancellationToken)
    {
        var json = await db.GuildSettings.Where(s => s.GuildId == guildId).Select(s => s.Json).FirstOrDefaultAsync(cancellationToken);
        return GuildSettings.Merge(Defaults, json);
    }

    /// <summary>Stages the change on the context; the caller saves it together with its audit event.</summary>
    public async Task StageAsync(long guildId, GuildSettings settings, long? userId, CancellationToken cancellationToken)
    {
        var row = await db.GuildSettings.FindAsync([guildId], cancellationToken);
        if (row is null)
        {
            row = new GuildSettingsRow { GuildId = guildId };
            db.GuildSettings.Add(row);
        }

        row.Json = GuildSettings.Diff(Defaults, settings);
        row.UpdatedAt = clock.GetUtcNow();
        row.UpdatedBy = userId;
    }
}

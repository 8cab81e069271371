namespace ClipSaver.Core.Guilds;

/// <summary>One version in a guild's settings history, with what it changed as a person reads it.</summary>
public sealed record SettingsHistoryEntry(
    long Id,
    DateTimeOffset At,
    SettingsVersionKind Kind,
    long? ActorUserId,
    string? ActorName,
    long? ApiTokenId,
    string? ApiTokenName,
    IReadOnlyList<SettingsChange> Changes,
    long? RestoredFromId,
    DateTimeOffset? RestoredFromAt,
    GuildSettings Settings)
{
    /// <summary>"Alice", "Alice (API token “deploy”)", "ClipSaver (system)".</summary>
    public string Who => Kind == SettingsVersionKind.Initial && ActorUserId is null
        ? "Defaults"
        : ActorUserId is not { } id
            ? "ClipSaver (system)"
            : (ActorName ?? string.Create(CultureInfo.InvariantCulture, $"Discord user {id}")) + (ApiTokenId is null ? "" : $" (API token “{ApiTokenName ?? "deleted"}”)");

    /// <summary>What happened, without the changes: "Settings before the first recorded change", "Restored the version of …".</summary>
    public string What => Kind switch
    {
        SettingsVersionKind.Initial => "Settings before the first recorded change",
        SettingsVersionKind.Restored => $"Restored the version of {(RestoredFromAt is { } at ? Display.Time(at) : "an earlier time")}",
        _ => "Changed",
    };

    /// <summary>The entry on one line: "28 Nov 2026 11:02 UTC · Alice · Largest file to keep 500 MB → 200 MB".</summary>
    public string Summary => string.Join(" · ", new[] { Display.Time(At), Who, Kind == SettingsVersionKind.Changed ? null : What }
        .Concat(Changes.Select(c => c.ToString())).OfType<string>());
}

public abstract record SettingsHistoryResult
{
    private SettingsHistoryResult()
    {
    }

    /// <summary>A page, newest first; <see cref="NextCursor"/> is null on the last page. <see cref="Current"/>: the settings now.</summary>
    public sealed record Listed(IReadOnlyList<SettingsHistoryEntry> Entries, string? NextCursor, GuildSettings Current) : SettingsHistoryResult;

    /// <summary>The guild does not exist or the actor may not see it.</summary>
    public sealed record UnknownGuild : SettingsHistoryResult;

    /// <summary>The cursor is not one this list gave out.</summary>
    public sealed record BadCursor : SettingsHistoryResult;
}

/// <summary>A guild's settings history, newest first, paged by version id: readable by whoever may see the settings.</summary>
public sealed class SettingsHistory(ClipSaverDbContext db, GuildAccess access, GuildSettingsStore store)
{
    public const int MaxLimit = 200;

    public async Task<SettingsHistoryResult> ListAsync(Actor actor, long guildId, string? cursor, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, MaxLimit);
        if (await access.RoleOfAsync(actor, guildId, cancellationToken) == GuildRole.None)
        {
            return new SettingsHistoryResult.UnknownGuild();
        }

        var before = long.MaxValue;
        if (cursor is not null && !long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out before))
        {
            return new SettingsHistoryResult.BadCursor();
        }

        var rows = await db.GuildSettingsVersions.AsNoTracking()
            .Where(v => v.GuildId == guildId && v.Id < before)
            .OrderByDescending(v => v.Id)
            .Take(limit + 1)
            .ToListAsync(cancellationToken);
        var defaults = store.Defaults;
        var entries = rows.Take(limit).Select(v =>
        {
            var settings = GuildSettings.Merge(defaults, v.SettingsJson);
            var changes = v.BeforeJson is null ? [] : SettingsChanges.Between(GuildSettings.Merge(defaults, v.BeforeJson), settings);
            return new SettingsHistoryEntry(v.Id, v.CreatedAt, v.Kind, v.ActorUserId, v.ActorName, v.ApiTokenId, v.ApiTokenName, changes, v.RestoredFromId, v.RestoredFromAt, settings);
        }).ToList();
        var next = rows.Count > limit ? entries[^1].Id.ToString(CultureInfo.InvariantCulture) : null;
        return new SettingsHistoryResult.Listed(entries, next, await store.GetAsync(guildId, cancellationToken));
    }
}

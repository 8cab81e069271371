namespace ClipSaver.Core.Purging;

/// <summary>What a purge would delete, counted when asked (never on an ordinary page view).</summary>
public sealed record PurgePreview(long Clips, long Files, long Bytes, long ScanRuns, long Members, long Channels)
{
    /// <summary>
    /// The clips a purge of this scope deletes: the one query the preview counts and the clip list (CSV) lists. A
    /// channel's threads are part of its purge (<see cref="PurgeScopes"/>); a narrower purge takes only the clips its
    /// <paramref name="filter"/> keeps (the job deletes exactly these, <see cref="NarrowPurgeSteps"/>).
    /// </summary>
    public static IQueryable<Clip> ClipsOf(ClipSaverDbContext db, long guildId, PurgeScope scope, long? channelId, PurgeFilter? filter = null) =>
        (filter ?? PurgeFilter.None).Apply(scope == PurgeScope.Channel
            ? db.Clips.Where(c => c.GuildId == guildId
                && (c.ChannelId == channelId || db.Channels.Any(t => t.Id == c.ChannelId && t.GuildId == guildId && t.IsThread && t.ParentId == channelId)))
            : db.Clips.Where(c => c.GuildId == guildId));

    /// <summary>The counts stored with a purge run when it was requested (<c>PreviewJson</c>); null for a run without them.</summary>
    public static PurgePreview? Parse(string? json) =>
        string.IsNullOrEmpty(json) ? null : JsonSerializer.Deserialize<PurgePreview>(json, JsonSerializerOptions.Web);

    /// <summary>What the scope holds; for a narrower purge (<paramref name="filter"/>) only its clips, and no scan records (they stay).</summary>
    public static async Task<PurgePreview> CountAsync(ClipSaverDbContext db, long guildId, PurgeScope scope, long? channelId, CancellationToken cancellationToken, PurgeFilter? filter = null)
    {
        var channelIds = scope == PurgeScope.Channel ? await PurgeScopes.ChannelIdsAsync(db, guildId, channelId!.Value, cancellationToken) : [];
        var totals = await ClipsOf(db, guildId, scope, channelId, filter)
            .GroupBy(_ => 1)
            .Select(g => new { Count = g.LongCount(), Files = g.LongCount(c => c.StorageKey != null), Bytes = g.Sum(c => c.StorageKey != null ? c.SizeBytes : 0) })
            .FirstOrDefaultAsync(cancellationToken);
        var scans = filter is { IsNarrow: true } ? 0 : scope == PurgeScope.Channel
            ? await db.ScanRuns.LongCountAsync(r => channelIds.Contains(r.ChannelId) && r.GuildId == guildId, cancellationToken)
            : await db.ScanRuns.LongCountAsync(r => r.GuildId == guildId, cancellationToken);
        var members = scope == PurgeScope.Guild ? await db.GuildMembers.LongCountAsync(m => m.GuildId == guildId, cancellationToken) : 0;
        var channels = scope == PurgeScope.Channel ? channelIds.Length : await db.Channels.LongCountAsync(c => c.GuildId == guildId, cancellationToken);
        return new PurgePreview(totals?.Count ?? 0, totals?.Files ?? 0, totals?.Bytes ?? 0, scans, members, channels);
    }
}

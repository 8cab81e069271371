namespace ClipSaver.Core.Purging;

/// <summary>
/// The steps of a narrower purge of a channel or of all channels (<see cref="PurgeFilter"/>: older clips, failed
/// downloads), run by <see cref="PurgeJob"/> between the same fence step (<see cref="PurgeSteps.StopScansAsync"/>) and
/// its completion. Only the matching clips go: the channels stay archived with their cursors, scan records and the
/// other clips, and their scans start again at the end (docs/decisions/021-narrower-purges.md). Idempotent and
/// counted in the run's row like the other steps.
/// </summary>
public sealed class NarrowPurgeSteps(ClipSaverDbContext db, ClipArchive archive, Scans scans, IOptionsMonitor<PurgeOptions> options, TimeProvider clock)
{
    /// <summary>
    /// The matching clips through <see cref="ClipArchive.DeleteHeldAsync"/> (each batch's files, then its rows with their
    /// counters, counted in the batch's transaction); then the scope's counters and per-day counts are set to what is left.
    /// </summary>
    public async Task DeleteMatchingAsync(PurgeTarget t, CancellationToken cancellationToken)
    {
        await archive.DeleteHeldAsync(t.GuildId, Matching(t), options.CurrentValue.BatchSize, async (batch, token) =>
        {
            await t.Lease.EnsureHeldAsync(token);
            await t.Progress.AddAuthorBatchAsync(batch.Clips, batch.Files, batch.Bytes, clock.GetUtcNow(), token);
        }, cancellationToken);
        var days = await archive.RecountAsync(t.GuildId, await ChannelsAsync(t, cancellationToken), cancellationToken);
        await t.Progress.AddRowsAsync("clip_days", days, cancellationToken);
    }

    /// <summary>
    /// Counts the matching clips left, and the scope's channels whose counters differ from their rows; throws (the run
    /// fails and is retried) unless both are zero. Files go before their rows, so a clip gone is a file gone. Then the
    /// scope's archived channels are scanned again (a scan the purge stopped carries on from its cursor).
    /// </summary>
    public async Task VerifyMatchingAsync(PurgeTarget t, CancellationToken cancellationToken)
    {
        var channels = await ChannelsAsync(t, cancellationToken);
        var guildId = t.GuildId;
        var drifted = await db.Channels.Where(ch => ch.GuildId == guildId && channels.Contains(ch.Id))
            .Where(ch => ch.ClipCount != db.Clips.LongCount(c => c.ChannelId == ch.Id)
                || ch.ClipBytes != (db.Clips.Where(c => c.ChannelId == ch.Id && c.StorageKey != null).Sum(c => (long?)c.SizeBytes) ?? 0)
                || ch.ClipCount != (db.ClipDays.Where(d => d.ChannelId == ch.Id).Sum(d => (long?)d.Clips) ?? 0))
            .LongCountAsync(cancellationToken);
        var remaining = new Dictionary<string, long>
        {
            [PurgeProgress.ClipsTable] = await Matching(t).LongCountAsync(c => c.GuildId == guildId, cancellationToken),
            ["counters"] = drifted,
        };
        var verification = new PurgeVerification(remaining.Values.All(n => n == 0), remaining);
        await t.Progress.RecordVerificationAsync(verification, cancellationToken);
        if (!verification.Ok)
        {
            throw new InvalidOperationException($"Verification found data left in the scope: {string.Join(", ", remaining.Where(r => r.Value > 0).Select(r => $"{r.Key} {r.Value}"))}.");
        }

        var archived = await db.Channels.Where(c => c.GuildId == guildId && channels.Contains(c.Id) && c.IsReading && c.DeletedAt == null).Select(c => c.Id).ToListAsync(cancellationToken);
        foreach (var channel in archived)
        {
            await scans.StartAsync(guildId, channel, ScanKind.Incremental, cancellationToken);
        }
    }

    private IQueryable<Clip> Matching(PurgeTarget t) => PurgePreview.ClipsOf(db, t.GuildId, t.Scope, t.Scope == PurgeScope.Channel ? t.ChannelIds[0] : null, t.Filter);

    private async Task<long[]> ChannelsAsync(PurgeTarget t, CancellationToken cancellationToken)
    {
        if (t.Scope == PurgeScope.Channel)
        {
            return t.ChannelIds;
        }

        var guildId = t.GuildId;
        return [.. await db.Channels.Where(c => c.GuildId == guildId).Select(c => c.Id).ToListAsync(cancellationToken)];
    }
}

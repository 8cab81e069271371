namespace ClipSaver.Core.Purging;

/// <summary>One purge run as its steps see it: the scope, the job's lease on the run, and the run's progress.</summary>
public sealed class PurgeTarget(PurgeRun run, long[] channelIds, AdvisoryLock lease, PurgeProgress progress)
{
    public long RunId => run.Id;
    public long GuildId => run.GuildId;
    public PurgeScope Scope => run.Scope;

    /// <summary>The member whose clips an <see cref="PurgeScope.Author"/> run deletes.</summary>
    public long? AuthorId => run.AuthorId;

    /// <summary>A narrower purge's filter (<see cref="NarrowPurgeSteps"/>); none for a whole scope.</summary>
    public PurgeFilter Filter { get; } = PurgeFilter.Of(run);

    /// <summary>For a channel purge, the channel and its threads (<see cref="PurgeScopes"/>); empty otherwise.</summary>
    public long[] ChannelIds => channelIds;

    /// <summary>What the deletes, file deletes and checks go through one at a time: each channel, or the whole guild (null).</summary>
    public long?[] Parts => run.Scope == PurgeScope.Channel ? [.. channelIds.Select(id => (long?)id)] : [null];

    public AdvisoryLock Lease => lease;
    public PurgeProgress Progress => progress;

    /// <summary>Whether the clip deletes walked the whole table (the checks after it then read in order too).</summary>
    public bool WalkedTable { get; set; }

    public IQueryable<T> InScope<T>(IQueryable<T> rows, Func<IQueryable<T>, long[], IQueryable<T>> byChannel) =>
        run.Scope == PurgeScope.Channel ? byChannel(rows, channelIds) : rows;
}

/// <summary>Leaves a guild on Discord: a guild purge's last step.</summary>
public interface IBotDeparture
{
    Task LeaveGuildAsync(long guildId, CancellationToken cancellationToken);
}

public sealed class DiscordBotDeparture(DiscordRestClient discord) : IBotDeparture
{
    public Task LeaveGuildAsync(long guildId, CancellationToken cancellationToken) => discord.LeaveGuildAsync(Snowflake.FromInt64(guildId), cancellationToken);
}

/// <summary>
/// The steps of a purge (<see cref="PurgeJob"/>). Every step is idempotent and counts are kept in the run's row in the
/// same transaction as the deletes they count, so a crash at any point followed by a retry, or two copies at once, end
/// in the same state and report. Every statement is bounded by the guild id, and by the channels of a channel purge.
/// </summary>
public sealed class PurgeSteps(
    ClipSaverDbContext db,
    ClipSaverConnection connection,
    Scans scans,
    ClipSweep sweep,
    ClipArchive archive,
    IClipStorage storage,
    IBotDeparture bot,
    IPurgeObserver observer,
    IOptionsMonitor<PurgeOptions> options,
    TimeProvider clock)
{
    public const string StoppedByPurge = "Stopped by a purge.";

    /// <summary>Stops the scope's scans (<see cref="Scans"/>), fences out writers, and waits (bounded) for running scans to end.</summary>
    public async Task StopScansAsync(PurgeTarget t, CancellationToken cancellationToken)
    {
        foreach (var channel in t.ChannelIds)
        {
            await scans.StopChannelScansAsync(channel, StoppedByPurge, cancellationToken);
        }

        if (t.Scope != PurgeScope.Channel)
        {
            await scans.StopGuildScansAsync(t.GuildId, StoppedByPurge, cancellationToken);
        }

        // From here no writer transaction can enter the scope (ClipArchive.Fence.cs).
        await ClipArchive.DrainWritersAsync(connection.ConnectionString, t.GuildId, t.Scope == PurgeScope.Channel ? t.ChannelIds[0] : null, cancellationToken);

        // Waiting is measured in real time: the job's clock is for the records it writes.
        var timeout = options.CurrentValue.ScanStopTimeout;
        var waited = Stopwatch.StartNew();
        var inScope = t.InScope(db.ScanRuns.Where(r => r.GuildId == t.GuildId), (q, ids) => q.Where(r => ids.Contains(r.ChannelId)));
        while (await inScope.AnyAsync(r => r.Status == ScanStatus.Running, cancellationToken))
        {
            // A scan whose process died holds no lease and will never stop by itself: it ends here.
            if (await Scans.EndAbandonedAsync(db, connection.ConnectionString, inScope, StoppedByPurge, clock.GetUtcNow(), cancellationToken) > 0)
            {
                continue;
            }

            if (waited.Elapsed >= timeout)
            {
                throw new InvalidOperationException($"Scans of this scope did not stop within {timeout.TotalSeconds:0} seconds; the purge will be retried.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
        }
    }

    /// <summary>Clips (<see cref="ClipSweep"/>), finished scan runs, then the scope's bookkeeping (<see cref="ClipArchive.EmptyChannelsAsync"/>).</summary>
    public async Task DeleteRowsAsync(PurgeTarget t, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var batches = new BatchCounter(t, observer, clock);
        foreach (var part in t.Parts)
        {
            t.WalkedTable |= await sweep.DeleteAsync(t.GuildId, part, settings.BatchSize, settings.ClipWalk, batches, cancellationToken);
        }

        await t.Progress.RecordLongestTransactionAsync(batches.LongestMs, cancellationToken);
        foreach (var part in t.Parts)
        {
            var channelFilter = part is null ? "" : "AND channel_id = @channel";
            await DeleteBatchesAsync(t, "scan_runs", part,
                $"""
                WITH doomed AS (
                    SELECT id FROM scan_runs WHERE guild_id = @guild {channelFilter} AND status NOT IN ('queued', 'running') ORDER BY id LIMIT @batch FOR UPDATE SKIP LOCKED),
                gone AS (DELETE FROM scan_runs s USING doomed d WHERE s.id = d.id RETURNING 0)
                SELECT count(*) AS "Value" FROM gone
                """, cancellationToken);
        }

        var days = await archive.EmptyChannelsAsync(t.GuildId, t.Scope == PurgeScope.Channel ? t.ChannelIds : null, cancellationToken);
        await t.Progress.AddRowsAsync("clip_days", days, cancellationToken);
    }

    /// <summary>
    /// Deletes the scope's files. What is there is counted and recorded once, before the first file goes: a crash in
    /// the middle of the deletes loses no count, and the retry reports the same numbers as an uncrashed run (nothing
    /// new can arrive in the scope meanwhile: writers are fenced out).
    /// </summary>
    public async Task DeleteFilesAsync(PurgeTarget t, CancellationToken cancellationToken)
    {
        if (!await t.Progress.FilesFoundAsync(cancellationToken))
        {
            long files = 0, bytes = 0;
            foreach (var part in t.Parts)
            {
                // Clips' files, as the preview counts them; their thumbnails go by the same prefix, and the check counts them.
                await foreach (var file in storage.ListAsync(Prefix(t.GuildId, part), cancellationToken))
                {
                    if (!ClipStorageKeys.IsThumbnail(file.Key))
                    {
                        (files, bytes) = (files + 1, bytes + file.SizeBytes);
                    }
                }
            }

            await t.Progress.RecordFilesFoundAsync(files, bytes, cancellationToken);
        }

        foreach (var part in t.Parts)
        {
            await storage.DeleteByPrefixAsync(Prefix(t.GuildId, part), cancellationToken);
            await HeartbeatAsync(t, cancellationToken);
        }

        await t.Progress.FilesDeletedAsync(cancellationToken);
    }

    /// <summary>A guild purge: the guild's other rows, the guild marked purged, and the bot leaves it on Discord.</summary>
    public async Task RemoveGuildAsync(PurgeTarget t, CancellationToken cancellationToken)
    {
        await DeleteBatchesAsync(t, "guild_members", null,
            """
            WITH doomed AS (SELECT guild_id, user_id FROM guild_members WHERE guild_id = @guild LIMIT @batch FOR UPDATE SKIP LOCKED),
            gone AS (DELETE FROM guild_members m USING doomed d WHERE m.guild_id = d.guild_id AND m.user_id = d.user_id RETURNING 0)
            SELECT count(*) AS "Value" FROM gone
            """, cancellationToken);

        // The guild's own rows are few (a row or a few hundred a table): one transaction for all of them, so the guild
        // goes at once and with one commit instead of one a table. Scan runs still queued or running were stopped
        // above; what is left of them goes with the channels.
        var guildId = t.GuildId;
        await using (var tx = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            await DeleteCountedAsync(t, "scan_runs", db.ScanRuns.Where(r => r.GuildId == guildId), cancellationToken);
            await DeleteCountedAsync(t, "channels", db.Channels.Where(c => c.GuildId == guildId), cancellationToken);
            await DeleteCountedAsync(t, "guild_settings", db.GuildSettings.Where(s => s.GuildId == guildId), cancellationToken);
            await DeleteCountedAsync(t, "guild_settings_versions", db.GuildSettingsVersions.Where(v => v.GuildId == guildId), cancellationToken);
            await DeleteCountedAsync(t, "user_guild_access", db.UserGuildAccess.Where(a => a.GuildId == guildId), cancellationToken);
            await DeleteCountedAsync(t, "install_intents", db.InstallIntents.Where(i => i.GuildId == guildId), cancellationToken);
            await DeleteCountedAsync(t, "purge_runs", db.PurgeRuns.Where(p => p.GuildId == guildId && p.Id != t.RunId), cancellationToken);

            var now = clock.GetUtcNow();
            await db.Guilds.Where(g => g.Id == guildId).ExecuteUpdateAsync(s => s
                .SetProperty(g => g.DeletedAt, g => g.DeletedAt ?? now)
                .SetProperty(g => g.DeletionReason, g => g.DeletedAt == null ? GuildDeletionReason.Purged : g.DeletionReason)
                .SetProperty(g => g.PurgedAt, g => g.PurgedAt ?? now), cancellationToken);
            await tx.CommitAsync(cancellationToken);
        }

        try
        {
            await bot.LeaveGuildAsync(guildId, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Leaving is retried by the client; if it still fails the deletion stands and the report says so.
            await t.Progress.AddWarningAsync($"The bot could not leave the server on Discord: {e.Message}", cancellationToken);
        }
    }

    /// <summary>Counts what is left of the scope in every table and in storage; throws (the run fails and is retried) unless nothing is.</summary>
    public async Task VerifyAsync(PurgeTarget t, CancellationToken cancellationToken)
    {
        long clips = 0, files = 0;
        foreach (var part in t.Parts)
        {
            clips += await sweep.CountAsync(t.GuildId, part, t.WalkedTable, cancellationToken);
            files += await storage.ListAsync(Prefix(t.GuildId, part), cancellationToken).LongCountAsync(cancellationToken);
        }

        var guildId = t.GuildId;
        var remaining = new Dictionary<string, long>
        {
            [PurgeProgress.ClipsTable] = clips,
            ["clip_days"] = await t.InScope(db.ClipDays.Where(d => d.GuildId == guildId), (q, ids) => q.Where(d => ids.Contains(d.ChannelId))).LongCountAsync(cancellationToken),
            ["scan_runs"] = await t.InScope(db.ScanRuns.Where(r => r.GuildId == guildId), (q, ids) => q.Where(r => ids.Contains(r.ChannelId))).LongCountAsync(cancellationToken),
            ["files"] = files,
        };
        if (t.Scope == PurgeScope.Guild)
        {
            remaining["channels"] = await db.Channels.LongCountAsync(c => c.GuildId == guildId, cancellationToken);
            remaining["guild_members"] = await db.GuildMembers.LongCountAsync(m => m.GuildId == guildId, cancellationToken);
            remaining["guild_settings"] = await db.GuildSettings.LongCountAsync(s => s.GuildId == guildId, cancellationToken);
            remaining["guild_settings_versions"] = await db.GuildSettingsVersions.LongCountAsync(v => v.GuildId == guildId, cancellationToken);
            remaining["purge_runs"] = await db.PurgeRuns.LongCountAsync(p => p.GuildId == guildId && p.Id != t.RunId, cancellationToken);
        }

        var verification = new PurgeVerification(remaining.Values.All(n => n == 0), remaining);
        await t.Progress.RecordVerificationAsync(verification, cancellationToken);
        if (!verification.Ok)
        {
            throw new InvalidOperationException($"Verification found data left in the scope: {string.Join(", ", remaining.Where(r => r.Value > 0).Select(r => $"{r.Key} {r.Value}"))}.");
        }
    }

    private static string Prefix(long guildId, long? channelId) =>
        channelId is { } id ? ClipStorageKeys.ChannelPrefix(guildId, id) : ClipStorageKeys.GuildPrefix(guildId);

    /// <summary>Runs one bounded delete until it deletes nothing, each batch counted in its own transaction.</summary>
    private async Task DeleteBatchesAsync(PurgeTarget t, string table, long? channelId, string sql, CancellationToken cancellationToken)
    {
        while (true)
        {
            var watch = Stopwatch.StartNew();
            await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
            // Not composed (a data-modifying WITH must be the whole statement): the one row is read as it comes.
            var count = (await db.Database.SqlQueryRaw<long>(sql,
                new NpgsqlParameter("guild", t.GuildId), new NpgsqlParameter("channel", channelId ?? 0), new NpgsqlParameter("batch", options.CurrentValue.BatchSize))
                .ToListAsync(cancellationToken))[0];
            await t.Progress.AddRowsAsync(table, count, cancellationToken);
            await tx.CommitAsync(cancellationToken);
            await t.Progress.RecordLongestTransactionAsync((long)Math.Ceiling(watch.Elapsed.TotalMilliseconds), cancellationToken);
            await HeartbeatAsync(t, cancellationToken);
            if (count == 0)
            {
                return;
            }
        }
    }

    /// <summary>Deletes the rows and counts them in the report, in the caller's transaction.</summary>
    private static async Task DeleteCountedAsync<T>(PurgeTarget t, string table, IQueryable<T> rows, CancellationToken cancellationToken) =>
        await t.Progress.AddRowsAsync(table, await rows.ExecuteDeleteAsync(cancellationToken), cancellationToken);

    /// <summary>The run's sign of life between batches; first it checks that this job still holds the run's lease.</summary>
    private async Task HeartbeatAsync(PurgeTarget t, CancellationToken cancellationToken)
    {
        await t.Lease.EnsureHeldAsync(cancellationToken);
        await db.PurgeRuns.Where(p => p.Id == t.RunId).ExecuteUpdateAsync(s => s.SetProperty(p => p.HeartbeatAt, clock.GetUtcNow()), cancellationToken);
    }

    /// <summary>
    /// Counts each batch of clip deletes in its transaction, with the longest batch so far and the heartbeat; first it
    /// checks the lease (a database restart ends the lease with its connection, and then another job may carry on).
    /// </summary>
    private sealed class BatchCounter(PurgeTarget t, IPurgeObserver observer, TimeProvider clock) : ISweepProgress
    {
        public long LongestMs { get; private set; }

        public async Task DeletedAsync(long clips, CancellationToken cancellationToken)
        {
            await t.Lease.EnsureHeldAsync(cancellationToken);
            await t.Progress.AddClipBatchAsync(clips, LongestMs, clock.GetUtcNow(), cancellationToken);
        }

        public Task CommittedAsync(TimeSpan transaction, CancellationToken cancellationToken)
        {
            // A transaction's length is known only after its commit: the next batch records it, and the step's end.
            LongestMs = Math.Max(LongestMs, (long)Math.Ceiling(transaction.TotalMilliseconds));
            return observer.ClipBatchCommittedAsync(t.RunId, cancellationToken);
        }
    }
}

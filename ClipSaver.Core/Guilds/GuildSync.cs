namespace ClipSaver.Core.Guilds;

/// <summary>
/// Keeps guilds and channels in step with Discord over HTTP alone: records or restores guilds the bot is in, marks
/// guilds it left as removed, and mirrors channels and threads. Every method is idempotent.
/// </summary>
public sealed partial class GuildSync(
    ClipSaverDbContext db,
    DiscordRestClient discord,
    ClipSaverConnection connection,
    GuildSettingsStore settings,
    IOptionsMonitor<SyncOptions> options,
    TimeProvider clock,
    ILogger<GuildSync> logger)
{
    public const string ReconcileJobId = "guild-reconciliation";

    /// <summary>
    /// Channel types whose messages can hold clips (forum and media hold them in threads; voice and stage channels
    /// have a text chat of their own, read with the same route). Every guild channel type with messages; see decision 008.
    /// </summary>
    private static readonly HashSet<int> ArchivableTypes =
    [
        DiscordChannelTypes.GuildText, DiscordChannelTypes.GuildAnnouncement, DiscordChannelTypes.GuildForum, DiscordChannelTypes.GuildMedia,
        DiscordChannelTypes.GuildVoice, DiscordChannelTypes.GuildStageVoice,
        DiscordChannelTypes.AnnouncementThread, DiscordChannelTypes.PublicThread, DiscordChannelTypes.PrivateThread,
    ];

    /// <summary>Pages through the bot's guilds and brings the database in line. Safe to run twice at once.</summary>
    [Queue(JobQueues.Maintenance)]
    [DisableConcurrentExecution(timeoutInSeconds: 0)]
    [AutomaticRetry(Attempts = 0)]
    [JobDisplayName("Reconcile guilds with Discord")]
    public async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        await using var held = await AdvisoryLock.TryAcquireAsync(connection.ConnectionString, ReconcileJobId, cancellationToken);
        if (held is null)
        {
            LogSkipped(logger);
            return;
        }

        var present = new HashSet<long>();
        await foreach (var summary in discord.GetBotGuildsAsync(cancellationToken))
        {
            present.Add(summary.Id.ToInt64());
            var guild = await discord.TryGetGuildAsync(summary.Id, cancellationToken);
            if (guild is null)
            {
                continue;
            }

            var changed = await RecordGuildAsync(guild, userId: null, cancellationToken);
            var syncedAt = await db.Guilds.Where(g => g.Id == summary.Id.ToInt64()).Select(g => g.ChannelsSyncedAt).FirstAsync(cancellationToken);
            if (changed || syncedAt is null || clock.GetUtcNow() - syncedAt > options.CurrentValue.ChannelSyncAge)
            {
                await SyncChannelsAsync(summary.Id.ToInt64(), cancellationToken);
            }
        }

        var gone = await db.Guilds.Where(g => g.DeletedAt == null && !present.Contains(g.Id)).Select(g => g.Id).ToListAsync(cancellationToken);
        foreach (var id in gone)
        {
            await MarkBotRemovedAsync(id, cancellationToken);
        }
    }

    /// <summary>
    /// Records a guild the bot is in, or restores one that was soft-deleted. Returns true when the guild is new or
    /// came back (its channels should be synced).
    /// </summary>
    public async Task<bool> RecordGuildAsync(DiscordGuild guild, long? userId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var id = guild.Id.ToInt64();
        // One at a time per guild (the reconciliation, the Gateway's GUILD_CREATE, an install): the first records it.
        await using var tx = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(cancellationToken) : null;
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtextextended('clipsaver:guild-record:' || {id}::text, 0))", cancellationToken);
        var row = await db.Guilds.FirstOrDefaultAsync(g => g.Id == id, cancellationToken);
        var changed = false;
        if (row is null)
        {
            row = new Guild { Id = id, CreatedAt = now, BotJoinedAt = now };
            db.Guilds.Add(row);
            db.AuditEvents.Add(new AuditEvent { GuildId = id, ActorUserId = userId, Action = "guild.added", Summary = "ClipSaver was added to the server.", CreatedAt = now });
            changed = true;
        }
        else if (row.DeletedAt is not null)
        {
            row.DeletedAt = null;
            row.DeletionReason = null;
            row.PurgedAt = null;
            row.BotJoinedAt = now;
            db.AuditEvents.Add(new AuditEvent { GuildId = id, ActorUserId = userId, Action = "guild.restored", Summary = "ClipSaver was invited back; the server is active again.", CreatedAt = now });
            changed = true;
        }

        row.Name = guild.Name;
        row.IconHash = guild.Icon;
        row.OwnerId = guild.OwnerId.ToInt64();
        row.LastSyncedAt = now;
        await db.SaveChangesAsync(cancellationToken);
        if (tx is not null)
        {
            await tx.CommitAsync(cancellationToken);
        }

        return changed;
    }

    /// <summary>The bot is gone from the guild: stop its scans, soft-delete it, write an audit event. Doing it twice changes nothing.</summary>
    public async Task MarkBotRemovedAsync(long guildId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
        var marked = await db.Guilds.Where(g => g.Id == guildId && g.DeletedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(g => g.DeletedAt, now).SetProperty(g => g.DeletionReason, GuildDeletionReason.BotRemoved), cancellationToken);
        if (marked == 0)
        {
            return;
        }

        await StopScansAsync(db.ScanRuns.Where(r => r.GuildId == guildId), now, "The bot was removed from the server.", cancellationToken);
        db.AuditEvents.Add(new AuditEvent { GuildId = guildId, Action = "guild.removed", Summary = "The bot was removed from the server on Discord.", CreatedAt = now });
        await db.SaveChangesAsync(cancellationToken);
        await tx.CommitAsync(cancellationToken);
        LogRemoved(logger, guildId);
    }

    /// <summary>After a 403 or 404 on a guild's route: checks the guild now instead of retrying.</summary>
    public async Task CheckGuildAsync(long guildId, CancellationToken cancellationToken)
    {
        DiscordGuild? guild;
        try
        {
            guild = await discord.TryGetGuildAsync(Snowflake.FromInt64(guildId), cancellationToken);
        }
        catch (DiscordApiException e) when (e.IsAccessLost)
        {
            guild = null;
        }

        if (guild is null)
        {
            await MarkBotRemovedAsync(guildId, cancellationToken);
        }
        else
        {
            await RecordGuildAsync(guild, null, cancellationToken);
        }
    }

    /// <summary>Mirrors the guild's channels and threads. A channel gone from Discord is marked deleted and its scans stop; its clips stay.</summary>
    [Queue(JobQueues.Default)]
    [AutomaticRetry(Attempts = 3)]
    [JobDisplayName("Sync channels of guild {0}")]
    public async Task SyncChannelsAsync(long guildId, CancellationToken cancellationToken)
    {
        var guild = await db.Guilds.AsNoTracking().FirstOrDefaultAsync(g => g.Id == guildId, cancellationToken);
        if (guild is null || guild.DeletedAt is not null)
        {
            return;
        }

        var id = Snowflake.FromInt64(guildId);
        List<DiscordChannel> found;
        try
        {
            found = [.. (await discord.GetGuildChannelsAsync(id, cancellationToken)).Where(c => ArchivableTypes.Contains(c.Type) || c.Type == DiscordChannelTypes.GuildCategory)];
            var active = await discord.GetActiveThreadsAsync(id, cancellationToken);
            found.AddRange(active.Threads.Where(t => t.Type is DiscordChannelTypes.PublicThread or DiscordChannelTypes.AnnouncementThread));
            foreach (var parent in found.Where(c => c.Type is DiscordChannelTypes.GuildText or DiscordChannelTypes.GuildAnnouncement or DiscordChannelTypes.GuildForum or DiscordChannelTypes.GuildMedia).ToList())
            {
                await foreach (var thread in discord.GetPublicArchivedThreadsAsync(parent.Id, cancellationToken))
                {
                    found.Add(thread);
                }
            }
        }
        catch (DiscordApiException e) when (e.IsAccessLost)
        {
            await CheckGuildAsync(guildId, cancellationToken);
            return;
        }

        await ApplyChannelsAsync(guildId, found, ChannelSyncScope.Complete, cancellationToken);
    }

    /// <summary>
    /// Records channels and threads as Discord describes them (a sync, GUILD_CREATE, a channel or thread event). A new
    /// channel is archived when the guild asks for it, except in the guild's first sync. With
    /// <paramref name="scope"/> <see cref="ChannelSyncScope.Complete"/> (or <see cref="ChannelSyncScope.AllButThreads"/>,
    /// which lacks archived threads) the list is the whole truth: a channel missing from it is marked deleted.
    /// </summary>
    public async Task ApplyChannelsAsync(long guildId, IReadOnlyList<DiscordChannel> found, ChannelSyncScope scope, CancellationToken cancellationToken)
    {
        // One sync of a guild's channels at a time, whoever runs it (the reconciliation, the Gateway's GUILD_CREATE or
        // a channel event, another instance): each reads what is stored and writes the difference, so two at once
        // inserted the same new channels and the second failed (on a first start, the demo's seeding stopped the app).
        await using var tx = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(cancellationToken) : null;
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtextextended('clipsaver:channel-sync:' || {guildId}::text, 0))", cancellationToken);
        var guild = await db.Guilds.AsNoTracking().FirstOrDefaultAsync(g => g.Id == guildId, cancellationToken);
        if (guild is null || guild.DeletedAt is not null)
        {
            return;
        }

        // Categories are stored too (never archived), so that pages can group channels under their names.
        var channels = found.Where(c => ArchivableTypes.Contains(c.Type) || c.Type == DiscordChannelTypes.GuildCategory).DistinctBy(c => c.Id).ToList();
        var defaults = await settings.GetAsync(guildId, cancellationToken);
        var firstSync = guild.ChannelsSyncedAt is null;
        var now = clock.GetUtcNow();
        var ids = channels.Select(c => c.Id.ToInt64()).ToList();
        var existing = await db.Channels.Where(c => c.GuildId == guildId && (scope != ChannelSyncScope.Partial || ids.Contains(c.Id))).ToDictionaryAsync(c => c.Id, cancellationToken);
        foreach (var c in channels)
        {
            var isThread = c.Type is DiscordChannelTypes.AnnouncementThread or DiscordChannelTypes.PublicThread or DiscordChannelTypes.PrivateThread;
            if (!existing.TryGetValue(c.Id.ToInt64(), out var row))
            {
                // A new channel after the first sync is archived when the guild asks for it; the first sync starts with everything off.
                var autoArchive = !firstSync && c.Type != DiscordChannelTypes.GuildCategory && defaults.ArchiveNewChannels && (!c.Nsfw || defaults.AllowNsfwChannels);
                row = new Channel { Id = c.Id.ToInt64(), GuildId = guildId, IsReading = autoArchive };
                db.Channels.Add(row);
            }

            row.Name = c.Name ?? row.Name;
            row.Type = c.Type;
            row.ParentId = c.ParentId?.ToInt64();
            row.Position = c.Position ?? 0;
            row.Nsfw = c.Nsfw;
            row.IsThread = isThread;
            row.DeletedAt = null;
        }

        var seen = ids.ToHashSet();
        var vanished = scope == ChannelSyncScope.Partial ? []
            : existing.Values.Where(c => c.DeletedAt is null && !seen.Contains(c.Id) && (scope == ChannelSyncScope.Complete || !c.IsThread)).Select(c => c.Id).ToList();
        if (scope != ChannelSyncScope.Partial)
        {
            await db.Guilds.Where(g => g.Id == guildId).ExecuteUpdateAsync(s => s.SetProperty(g => g.ChannelsSyncedAt, now), cancellationToken);
        }

        await db.SaveChangesAsync(cancellationToken);
        if (tx is not null)
        {
            await tx.CommitAsync(cancellationToken);
        }

        // After the commit: stopping scans touches their runs, which a scan's own transaction may hold.
        await MarkChannelsDeletedAsync(vanished, cancellationToken);
    }

    /// <summary>Channels deleted on Discord: marked deleted, archiving off, their scans stopped; their clips stay. Idempotent.</summary>
    public async Task MarkChannelsDeletedAsync(IReadOnlyList<long> channelIds, CancellationToken cancellationToken)
    {
        if (channelIds.Count == 0)
        {
            return;
        }

        var now = clock.GetUtcNow();
        await db.Channels.Where(c => channelIds.Contains(c.Id) && c.DeletedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.DeletedAt, now).SetProperty(c => c.IsReading, false), cancellationToken);
        await StopScansAsync(db.ScanRuns.Where(r => channelIds.Contains(r.ChannelId)), now, "The channel was deleted on Discord.", cancellationToken);
    }

    private static async Task StopScansAsync(IQueryable<ScanRun> scans, DateTimeOffset now, string why, CancellationToken cancellationToken)
    {
        await scans.Where(r => r.Status == ScanStatus.Queued || r.Status == ScanStatus.Failed).ExecuteUpdateAsync(
            s => s.SetProperty(r => r.Status, ScanStatus.Cancelled).SetProperty(r => r.FinishedAt, now).SetProperty(r => r.Error, why), cancellationToken);
        await scans.Where(r => r.Status == ScanStatus.Running && r.StopRequestedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.StopRequestedAt, now), cancellationToken);
    }

    [LoggerMessage(LogLevel.Information, "Another reconciliation is running; this one skips.")]
    private static partial void LogSkipped(ILogger logger);

    [LoggerMessage(LogLevel.Information, "Guild {GuildId} is gone from the bot's guilds; marked removed.")]
    private static partial void LogRemoved(ILogger logger, long guildId);
}

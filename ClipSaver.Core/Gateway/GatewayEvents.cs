using ClipSaver.Core.Maintenance;

namespace ClipSaver.Core.Gateway;

/// <summary>
/// What each Gateway event changes, through the same code as the scans and the reconciliation (docs: events/gateway-events.mdx).
/// Every handler is idempotent: the guild, channel, message or member id is the key, so an event seen twice (a
/// resume's replay, two sessions) changes nothing the second time. One instance per event (scoped).
/// </summary>
public sealed partial class GatewayEvents(
    ClipSaverDbContext db,
    GuildSync sync,
    ClipIntake intake,
    ClipArchive archive,
    GuildSettingsStore settings,
    IncrementalScansJob incremental,
    MemberCleanupJob members,
    LiveDownloads downloads,
    TimeProvider clock,
    ILogger<GatewayEvents> logger)
{
    private static readonly JsonSerializerOptions Json = DiscordRestClient.Json;

    public async Task HandleAsync(GatewayDispatch dispatch, ShardState shard, CancellationToken cancellationToken)
    {
        var d = dispatch.Data;
        switch (dispatch.Name)
        {
            case "READY":
                foreach (var guild in d.GetProperty("guilds").EnumerateArray())
                {
                    shard.Guild(Id(guild, "id"), available: true);
                }

                break;
            case "GUILD_CREATE" when !d.TryGetProperty("unavailable", out var u) || u.ValueKind != JsonValueKind.True:
                await GuildCreateAsync(d, shard, cancellationToken);
                break;
            case "GUILD_UPDATE":
                await sync.RecordGuildAsync(d.Deserialize<DiscordGuild>(Json)!, null, cancellationToken);
                break;
            case "GUILD_DELETE" when d.TryGetProperty("unavailable", out var u) && u.ValueKind == JsonValueKind.True:
                // An outage, not a removal: nothing is deleted; /admin shows it.
                shard.Guild(Id(d, "id"), available: false);
                LogOutage(logger, Id(d, "id"));
                break;
            case "GUILD_DELETE":
                shard.Guild(Id(d, "id"), available: null);
                await sync.MarkBotRemovedAsync(Id(d, "id"), cancellationToken);
                break;
            case "CHANNEL_CREATE" or "CHANNEL_UPDATE" or "THREAD_CREATE" or "THREAD_UPDATE" when d.TryGetProperty("guild_id", out _):
                await sync.ApplyChannelsAsync(Id(d, "guild_id"), [d.Deserialize<DiscordChannel>(Json)!], ChannelSyncScope.Partial, cancellationToken);
                break;
            case "CHANNEL_DELETE" or "THREAD_DELETE" when d.TryGetProperty("guild_id", out _):
                await sync.MarkChannelsDeletedAsync([Id(d, "id")], cancellationToken);
                break;
            case "THREAD_LIST_SYNC":
                await sync.ApplyChannelsAsync(Id(d, "guild_id"), Threads(d), ChannelSyncScope.Partial, cancellationToken);
                break;
            case "MESSAGE_CREATE" or "MESSAGE_UPDATE" when d.TryGetProperty("guild_id", out _) && d.TryGetProperty("author", out _):
                await MessageAsync(d, shard, cancellationToken);
                break;
            case "MESSAGE_DELETE" or "MESSAGE_DELETE_BULK" when d.TryGetProperty("guild_id", out _):
                var ids = d.TryGetProperty("ids", out var many) ? [.. many.EnumerateArray().Select(e => long.Parse(e.GetString()!, System.Globalization.CultureInfo.InvariantCulture))] : new[] { Id(d, "id") };
                await MessagesDeletedAsync(Id(d, "guild_id"), Id(d, "channel_id"), ids, cancellationToken);
                break;
            case "GUILD_MEMBER_ADD":
                await MemberAddedAsync(Id(d, "guild_id"), d.GetProperty("user").Deserialize<DiscordUser>(Json)!, cancellationToken);
                break;
            case "GUILD_MEMBER_REMOVE":
                if (await db.Guilds.AnyAsync(g => g.Id == Id(d, "guild_id") && g.DeletedAt == null, cancellationToken))
                {
                    await members.RemoveDepartedAsync(Id(d, "guild_id"), [Id(d.GetProperty("user"), "id")], cancellationToken);
                }

                break;
        }
    }

    /// <summary>
    /// The bot is in the guild (after READY, on joining, or back from an outage): the guild is recorded or restored as
    /// by a re-invite, its channels and active threads mirrored, and its archived channels scanned from their cursors,
    /// because nothing was received for it while no session was connected.
    /// </summary>
    private async Task GuildCreateAsync(JsonElement d, ShardState shard, CancellationToken cancellationToken)
    {
        var guild = d.Deserialize<DiscordGuild>(Json)!;
        var id = guild.Id.ToInt64();
        await sync.RecordGuildAsync(guild, null, cancellationToken);
        var channels = d.TryGetProperty("channels", out var c) ? c.Deserialize<List<DiscordChannel>>(Json)! : [];
        channels.AddRange(Threads(d).Where(t => t.Type is DiscordChannelTypes.PublicThread or DiscordChannelTypes.AnnouncementThread));
        await sync.ApplyChannelsAsync(id, channels, ChannelSyncScope.AllButThreads, cancellationToken);
        shard.Guild(id, available: true);
        await incremental.StartForGuildAsync(id, cancellationToken);
    }

    private async Task MessageAsync(JsonElement d, ShardState shard, CancellationToken cancellationToken)
    {
        var message = d.Deserialize<DiscordMessage>(Json)!;
        var channelId = message.ChannelId.ToInt64();
        var channel = await db.Channels.AsNoTracking()
            .Where(c => c.Id == channelId && c.DeletedAt == null && db.Guilds.Any(g => g.Id == c.GuildId && g.DeletedAt == null))
            .Where(c => c.IsReading || (c.IsThread && db.Channels.Any(p => p.Id == c.ParentId && p.IsReading)))
            .Select(c => new { c.GuildId, c.IsThread, c.ParentId }).FirstOrDefaultAsync(cancellationToken);
        if (channel is null)
        {
            return;
        }

        var moveCursor = await CoveredSinceSessionStartAsync(channelId, shard, cancellationToken);
        if (message.Attachments.Count == 0 && message.Embeds.Count == 0)
        {
            // Nothing that could be a clip: only the cursor moves (a purge switches archiving off, so it cannot race with this).
            var id = message.Id.ToInt64();
            if (moveCursor)
            {
                await db.Channels.Where(c => c.Id == channelId && (c.NewestScannedMessageId == null || c.NewestScannedMessageId < id))
                    .ExecuteUpdateAsync(s => s.SetProperty(c => c.NewestScannedMessageId, id), cancellationToken);
            }

            return;
        }

        var guildSettings = await settings.GetAsync(channel.GuildId, cancellationToken);
        var parentId = channel.IsThread ? channel.ParentId : null;
        var added = await intake.AddFromEventAsync(channel.GuildId, channelId, parentId, message, guildSettings, moveCursor, clock.GetUtcNow(), cancellationToken);
        if (added is { ToDownload.Count: > 0 })
        {
            downloads.Enqueue(new LiveDownload(channel.GuildId, channelId, parentId, added.ToDownload, guildSettings));
        }
    }

    /// <summary>
    /// The scan cursor may move past an event's message only if nothing before it can be missing: a scan of the
    /// channel that started after this session began has completed (everything older was read), and the session has
    /// been continuous since (a resume replays what it missed). Otherwise the cursor stays and the gap-filling scan
    /// reads on from it; reading a message twice changes nothing.
    /// </summary>
    private async Task<bool> CoveredSinceSessionStartAsync(long channelId, ShardState shard, CancellationToken cancellationToken)
    {
        if (shard.IsCovered(channelId))
        {
            return true;
        }

        if (shard.SessionStartedAt is not { } since
            || !await db.ScanRuns.AnyAsync(r => r.ChannelId == channelId && r.Status == ScanStatus.Completed && r.StartedAt >= since, cancellationToken))
        {
            return false;
        }

        shard.Covered(channelId, since);
        return true;
    }

    /// <summary>Deleted on Discord: the clips stay unless the guild asked for them to go (<see cref="GuildSettings.MessageDeletedClips"/>).</summary>
    private async Task MessagesDeletedAsync(long guildId, long channelId, long[] messageIds, CancellationToken cancellationToken)
    {
        if ((await settings.GetAsync(guildId, cancellationToken)).MessageDeletedClips != MessageDeletedClips.Delete)
        {
            return;
        }

        var deleted = await archive.DeleteAsync(guildId, db.Clips.Where(c => c.ChannelId == channelId && messageIds.Contains(c.MessageId)), 1000, cancellationToken);
        if (deleted.Clips > 0)
        {
            db.AuditEvents.Add(new AuditEvent
            {
                GuildId = guildId,
                Action = "clips.deleted_on_discord",
                Summary = $"{Display.Count(deleted.Clips, "clip")} deleted because their message was deleted on Discord.",
                CreatedAt = clock.GetUtcNow(),
            });
            await db.SaveChangesAsync(cancellationToken);
        }
    }

    private async Task MemberAddedAsync(long guildId, DiscordUser user, CancellationToken cancellationToken)
    {
        if (!await db.Guilds.AnyAsync(g => g.Id == guildId && g.DeletedAt == null, cancellationToken))
        {
            return;
        }

        var now = clock.GetUtcNow();
        await archive.AddAuthorsAsync(guildId, [new ClipAuthor(user.Id.ToInt64(), user.Username, user.GlobalName, user.Avatar, now, now)], now, cancellationToken);
    }

    private static List<DiscordChannel> Threads(JsonElement d) =>
        d.TryGetProperty("threads", out var t) ? t.Deserialize<List<DiscordChannel>>(Json)! : [];

    private static long Id(JsonElement e, string property) =>
        long.Parse(e.GetProperty(property).GetString()!, System.Globalization.CultureInfo.InvariantCulture);

    [LoggerMessage(LogLevel.Warning, "Discord reports an outage of guild {GuildId}; nothing is deleted.")]
    private static partial void LogOutage(ILogger logger, long guildId);
}

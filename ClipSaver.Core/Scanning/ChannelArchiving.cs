namespace ClipSaver.Core.Scanning;

public enum ArchiveSwitchResult
{
    Done,

    /// <summary>The guild does not exist or the actor may not see it.</summary>
    UnknownGuild,

    UnknownChannel,

    /// <summary>The guild was removed or the channel deleted: read-only.</summary>
    ReadOnly,

    /// <summary>
    /// An NSFW channel while the guild does not allow NSFW channels: a conflict with the guild's settings, 409 in the
    /// page and the API alike (docs/decisions/009-api.md).
    /// </summary>
    NsfwNotAllowed,
}

/// <summary>
/// The archive switch of a channel, for the page, the API and demo mode: on starts a backfill, off stops the channel's
/// scans. The owner and managers may switch it; a guild the actor may not see is unknown.
/// </summary>
public sealed class ChannelArchiving(ClipSaverDbContext db, GuildAccess access, GuildSettingsStore settings, Scans scans, TimeProvider clock)
{
    public const string NsfwMessage = "This channel is marked NSFW. Allow NSFW channels in the settings first.";
    public const string ReadOnlyMessage = "This channel is read-only: ClipSaver is no longer in the server, or the channel was deleted.";

    public async Task<ArchiveSwitchResult> SetAsync(Actor actor, long guildId, long channelId, bool on, CancellationToken cancellationToken)
    {
        if (await access.RoleOfAsync(actor, guildId, cancellationToken) == GuildRole.None)
        {
            return ArchiveSwitchResult.UnknownGuild;
        }

        var channel = await db.Channels.FirstOrDefaultAsync(c => c.Id == channelId && c.GuildId == guildId && c.Type != DiscordChannelTypes.GuildCategory, cancellationToken);
        if (channel is null)
        {
            return ArchiveSwitchResult.UnknownChannel;
        }

        if (channel.DeletedAt is not null || await db.Guilds.AnyAsync(g => g.Id == guildId && g.DeletedAt != null, cancellationToken))
        {
            return ArchiveSwitchResult.ReadOnly;
        }

        if (on && channel.Nsfw && !(await settings.GetAsync(guildId, cancellationToken)).AllowNsfwChannels)
        {
            return ArchiveSwitchResult.NsfwNotAllowed;
        }

        if (channel.IsReading != on)
        {
            channel.IsReading = on;
            db.AuditEvents.Add(new AuditEvent
            {
                GuildId = guildId,
                ActorUserId = actor.UserId,
                Action = on ? "channel.archiving_on" : "channel.archiving_off",
                Summary = $"Archiving {(on ? "switched on" : "switched off")} for #{channel.Name}.",
                CreatedAt = clock.GetUtcNow(),
            });
            await db.SaveChangesAsync(cancellationToken);
        }

        // The channel's threads go with it (forum and media channels hold nothing else).
        var threads = await db.Channels.Where(c => c.ParentId == channelId && c.IsThread && c.DeletedAt == null).Select(c => c.Id).ToListAsync(cancellationToken);
        foreach (var id in threads.Prepend(channelId))
        {
            if (on)
            {
                await scans.StartAsync(guildId, id, ScanKind.Backfill, cancellationToken);
            }
            else
            {
                await scans.StopChannelScansAsync(id, "Archiving was switched off.", cancellationToken);
            }
        }

        return ArchiveSwitchResult.Done;
    }
}

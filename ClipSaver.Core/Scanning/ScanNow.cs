namespace ClipSaver.Core.Scanning;

public abstract record ScanNowResult
{
    private ScanNowResult()
    {
    }

    /// <summary>The scan queued now, or the one already queued or running.</summary>
    public sealed record Started(long ScanId) : ScanNowResult;

    /// <summary>Archiving is off for the channel, the channel was deleted, or the bot left the guild.</summary>
    public sealed record NotArchived : ScanNowResult;

    /// <summary>No such guild for the actor (<c>guild</c>), or no such channel in it (<c>channel</c>).</summary>
    public sealed record NotFound(string What) : ScanNowResult;
}

/// <summary>"Scan now": a manual scan of an archived channel.</summary>
public sealed class ScanNow(ClipSaverDbContext db, GuildAccess access, Scans scans)
{
    public const string NotArchivedMessage = "Switch archiving on for this channel first.";

    public async Task<ScanNowResult> StartAsync(Actor actor, long guildId, long channelId, CancellationToken cancellationToken)
    {
        if (await access.RoleOfAsync(actor, guildId, cancellationToken) == GuildRole.None)
        {
            return new ScanNowResult.NotFound("guild");
        }

        var channel = await db.Channels.AsNoTracking().Where(c => c.Id == channelId && c.GuildId == guildId)
            .Select(c => new { c.IsReading, c.DeletedAt, GuildDeleted = db.Guilds.Any(g => g.Id == guildId && g.DeletedAt != null) })
            .FirstOrDefaultAsync(cancellationToken);
        if (channel is null)
        {
            return new ScanNowResult.NotFound("channel");
        }

        if (!channel.IsReading || channel.DeletedAt is not null || channel.GuildDeleted)
        {
            return new ScanNowResult.NotArchived();
        }

        return new ScanNowResult.Started(await scans.StartAsync(guildId, channelId, ScanKind.Manual, cancellationToken));
    }
}

namespace ClipSaver.Core.Scanning;

public abstract record StopScansResult
{
    private StopScansResult()
    {
    }

    /// <summary>Queued scans were cancelled, running ones asked to stop (they end after the page they are reading).</summary>
    public sealed record Stopped(int Scans) : StopScansResult;

    /// <summary>No such guild for the actor (<c>guild</c>), or no such channel in it (<c>channel</c>).</summary>
    public sealed record NotFound(string What) : StopScansResult;
}

/// <summary>"Stop scan": stops a channel's scans by hand. Allowed on a removed guild too: stopping never adds data.</summary>
public sealed class StopScans(ClipSaverDbContext db, GuildAccess access, Scans scans)
{
    public const string Reason = "Stopped by a manager.";

    public async Task<StopScansResult> StopAsync(Actor actor, long guildId, long channelId, CancellationToken cancellationToken)
    {
        if (await access.RoleOfAsync(actor, guildId, cancellationToken) == GuildRole.None)
        {
            return new StopScansResult.NotFound("guild");
        }

        if (!await db.Channels.AnyAsync(c => c.Id == channelId && c.GuildId == guildId, cancellationToken))
        {
            return new StopScansResult.NotFound("channel");
        }

        return new StopScansResult.Stopped(await scans.StopChannelScansAsync(channelId, Reason, cancellationToken));
    }
}

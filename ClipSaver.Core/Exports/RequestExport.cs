namespace ClipSaver.Core.Exports;

public abstract record ExportResult
{
    private ExportResult()
    {
    }

    /// <summary>Recorded and its job enqueued.</summary>
    public sealed record Accepted(Export Export) : ExportResult;

    /// <summary>No such guild or channel for the actor, or no such export of theirs (404).</summary>
    public sealed record NotFound(string What) : ExportResult;

    /// <summary>The user manages the guild but does not own it; a guild's export is the owner's alone (403).</summary>
    public sealed record NotOwner : ExportResult;

    /// <summary>The user's previous export is still being built: one at a time (409).</summary>
    public sealed record Busy(long ExportId) : ExportResult;

    /// <summary>Deleted (<see cref="DeleteExport"/>).</summary>
    public sealed record Deleted : ExportResult;
}

/// <summary>
/// Records an export and enqueues its job: a member's own clips (everywhere or in one guild), or, for a guild's owner
/// (checked live with Discord, like a purge), the whole guild or one channel with its threads. One export at a time
/// per user, held by a unique index (docs/decisions/018-members-own-data.md).
/// </summary>
public sealed class RequestExport(ClipSaverDbContext db, GuildAccess access, IBackgroundJobClient jobs, IOptionsMonitor<ExportOptions> options, TimeProvider clock)
{
    public async Task<ExportResult> MineAsync(Actor actor, long? guildId, CancellationToken cancellationToken)
    {
        var userId = actor.UserId ?? throw new InvalidOperationException("Only a signed-in user exports their own clips.");
        return await StartAsync(new Export { UserId = userId, GuildId = guildId }, cancellationToken);
    }

    public async Task<ExportResult> GuildAsync(Actor actor, long guildId, long? channelId, CancellationToken cancellationToken)
    {
        var userId = actor.UserId ?? throw new InvalidOperationException("An export belongs to a user.");
        switch (await access.GetLiveRoleAsync(guildId, userId, cancellationToken))
        {
            case GuildRole.None:
                return new ExportResult.NotFound("guild");
            case GuildRole.Manager:
                return new ExportResult.NotOwner();
        }

        if (channelId is not null && !await db.Channels.AnyAsync(c => c.Id == channelId && c.GuildId == guildId, cancellationToken))
        {
            return new ExportResult.NotFound("channel");
        }

        return await StartAsync(new Export { UserId = userId, IsGuildExport = true, GuildId = guildId, ChannelId = channelId }, cancellationToken);
    }

    private async Task<ExportResult> StartAsync(Export export, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        export.Status = ExportStatus.Queued;
        export.CreatedAt = now;
        export.ExpiresAt = now + options.CurrentValue.Keep;
        export.ClipsTotal = await ExportJob.ClipsOf(db, export).LongCountAsync(cancellationToken);
        db.Exports.Add(export);
        db.AuditEvents.Add(AuditEventOf(export, "export.requested", "me.export_requested", $"Export of {Display.Count(export.ClipsTotal, "clip")} requested.", now));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            db.ChangeTracker.Clear();
            var busy = await db.Exports.Where(x => x.UserId == export.UserId && (x.Status == ExportStatus.Queued || x.Status == ExportStatus.Running))
                .Select(x => x.Id).FirstOrDefaultAsync(cancellationToken);
            return new ExportResult.Busy(busy);
        }

        // Enqueued after the commit: an export whose job was lost (a crash right here) is picked up by RunRecovery.
        export.HangfireJobId = jobs.Enqueue<ExportJob>(j => j.RunAsync(export.Id, CancellationToken.None));
        await db.Exports.Where(x => x.Id == export.Id).ExecuteUpdateAsync(s => s.SetProperty(x => x.HangfireJobId, export.HangfireJobId), cancellationToken);
        return new ExportResult.Accepted(export);
    }

    /// <summary>
    /// An audit event of an export's life: a guild export's goes to the guild's log under <paramref name="guildAction"/>,
    /// a member's export of their own clips to no guild's, under <paramref name="ownAction"/>.
    /// </summary>
    internal static AuditEvent AuditEventOf(Export export, string guildAction, string ownAction, string summary, DateTimeOffset at) => new()
    {
        GuildId = export.IsGuildExport ? export.GuildId : null,
        ActorUserId = export.UserId,
        Action = export.IsGuildExport ? guildAction : ownAction,
        Summary = summary,
        CreatedAt = at,
    };
}

/// <summary>Deletes an export (its parts, then its row): its user's alone. A job still building it stops at its next part.</summary>
public sealed class DeleteExport(ClipSaverDbContext db, Storage.IClipStorage storage, TimeProvider clock)
{
    public async Task<ExportResult> RunAsync(Actor actor, long exportId, CancellationToken cancellationToken)
    {
        var export = await db.Exports.AsNoTracking().FirstOrDefaultAsync(x => x.Id == exportId && x.UserId == actor.UserId, cancellationToken);
        if (export is null)
        {
            return new ExportResult.NotFound("export");
        }

        await DeleteAsync(db, storage, exportId, cancellationToken);
        db.AuditEvents.Add(new AuditEvent { ActorUserId = actor.UserId, Action = "export.deleted", Summary = $"Export #{exportId} deleted.", CreatedAt = clock.GetUtcNow() });
        await db.SaveChangesAsync(cancellationToken);
        return new ExportResult.Deleted();
    }

    /// <summary>The files first, then the rows: a crash in between leaves a row whose files are gone, and the retention deletes it again.</summary>
    internal static async Task DeleteAsync(ClipSaverDbContext db, Storage.IClipStorage storage, long exportId, CancellationToken cancellationToken)
    {
        await storage.DeleteByPrefixAsync(ExportKeys.Of(exportId), cancellationToken);
        await db.Exports.Where(x => x.Id == exportId).ExecuteDeleteAsync(cancellationToken);
    }

    /// <summary>For the retention job: every export past its time, finished or not.</summary>
    public static async Task<int> DeleteExpiredAsync(ClipSaverDbContext db, Storage.IClipStorage storage, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var expired = await db.Exports.Where(x => x.ExpiresAt < now).Select(x => x.Id).ToListAsync(cancellationToken);
        foreach (var id in expired)
        {
            await DeleteAsync(db, storage, id, cancellationToken);
        }

        return expired.Count;
    }
}

namespace ClipSaver.Core.Purging;

/// <summary>
/// Cancels a purge inside its undo window and gives its cooldown back: the danger zone's cancel button and the API's
/// <c>DELETE purges/{id}</c>. The owner's alone, checked live with Discord like the request; a member's deletion of
/// their own clips is that member's alone.
/// </summary>
public sealed class CancelPurge(ClipSaverDbContext db, GuildAccess access, IBackgroundJobClient jobs, IOptionsMonitor<PurgeOptions> options, TimeProvider clock)
{
    /// <param name="guildId">The guild the caller is looking at (the page), or null when only the run's id is known (the API).</param>
    /// <returns><see cref="PurgeResult.Cancelled"/>, <see cref="PurgeResult.TooLate"/> once it has started or ended, or a refusal.</returns>
    public async Task<PurgeResult> RunAsync(Actor actor, long purgeRunId, long? guildId, CancellationToken cancellationToken)
    {
        var found = await db.PurgeRuns.Where(p => p.Id == purgeRunId && (guildId == null || p.GuildId == guildId))
            .Select(p => new { p.GuildId, p.Scope, p.AuthorId }).FirstOrDefaultAsync(cancellationToken);
        if (found is null)
        {
            return new PurgeResult.NotFound(PurgeResult.NotFound.Purge);
        }

        var owningGuild = found.GuildId;
        if (found.Scope == PurgeScope.Author)
        {
            // A member's deletion of their own clips is theirs to cancel, and nobody else's (not even the guild's owner).
            if (actor.UserId is { } userId && userId != found.AuthorId)
            {
                return new PurgeResult.NotFound(PurgeResult.NotFound.Purge);
            }
        }
        else
        {
            switch (await PurgeResult.RefuseUnlessOwnerAsync(db, access, actor, owningGuild, live: true, cancellationToken))
            {
                case PurgeResult.NotFound:
                    // A purge of a guild the user may not see does not exist for them.
                    return new PurgeResult.NotFound(PurgeResult.NotFound.Purge);
                case { } refused:
                    return refused;
            }
        }

        var now = clock.GetUtcNow();
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
        var cancelled = await db.PurgeRuns
            .Where(p => p.Id == purgeRunId && p.Status == PurgeStatus.Scheduled)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.Status, PurgeStatus.Cancelled).SetProperty(p => p.FinishedAt, now).SetProperty(p => p.Step, "cancelled"), cancellationToken);
        if (cancelled == 0)
        {
            return new PurgeResult.TooLate();
        }

        var run = await db.PurgeRuns.AsNoTracking().FirstAsync(p => p.Id == purgeRunId, cancellationToken);
        if (run.Scope == PurgeScope.Channel)
        {
            // The claim set exactly this value on the channel and its threads; rows with another value kept their own.
            var covered = await PurgeScopes.ChannelIdsAsync(db, owningGuild, run.ChannelId!.Value, cancellationToken);
            var claimedUntil = run.RequestedAt + options.CurrentValue.Cooldown;
            await db.Channels.Where(c => covered.Contains(c.Id) && (c.Id == run.ChannelId || c.PurgeCooldownUntil == claimedUntil))
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.PurgeCooldownUntil, (DateTimeOffset?)null), cancellationToken);
        }
        else if (run.Scope == PurgeScope.AllChannels)
        {
            await db.Guilds.Where(g => g.Id == owningGuild).ExecuteUpdateAsync(s => s.SetProperty(g => g.AllChannelsPurgeCooldownUntil, (DateTimeOffset?)null), cancellationToken);
        }

        db.AuditEvents.Add(run.Scope == PurgeScope.Author
            ? new AuditEvent { ActorUserId = actor.UserId, Action = "me.clips_delete_cancelled", Summary = $"Deletion #{purgeRunId} of my clips cancelled before it started.", CreatedAt = now }
            : new AuditEvent { GuildId = owningGuild, ActorUserId = actor.UserId, Action = "purge.cancelled", Summary = $"Purge #{purgeRunId} cancelled before it started.", CreatedAt = now });
        await db.SaveChangesAsync(cancellationToken);
        await tx.CommitAsync(cancellationToken);
        if (run.HangfireJobId is not null)
        {
            jobs.Delete(run.HangfireJobId);
        }

        return new PurgeResult.Cancelled(purgeRunId);
    }
}

namespace ClipSaver.Core.Purging;

/// <summary>
/// Records a purge, for the danger zone, the API and the grace-period job alike. The owner is checked live with
/// Discord; then the phrase and the guild's state. The preview is counted before the transaction, so that the
/// aggregate over the clips never runs while the cooldown claim holds channel rows that scans update. One transaction
/// then holds a per-guild lock, refuses overlaps, claims the cooldown with one compare-and-set statement and inserts
/// the run; the Hangfire job is scheduled for the end of the undo window.
/// </summary>
public sealed class RequestPurge(ClipSaverDbContext db, GuildAccess access, IBackgroundJobClient jobs, IOptionsMonitor<PurgeOptions> options, TimeProvider clock)
{
    /// <param name="channelId">The channel of a <see cref="PurgeScope.Channel"/> purge (its threads are included); null otherwise.</param>
    /// <param name="filter">A narrower purge (older clips, failed downloads): same phrase, cooldown, undo window and job (decision 021).</param>
    public async Task<PurgeResult> RunAsync(Actor actor, long guildId, PurgeScope scope, long? channelId, string? confirm, CancellationToken cancellationToken, PurgeFilter? filter = null)
    {
        filter ??= PurgeFilter.None;
        var (refused, channel) = await PurgeResult.CheckScopeAsync(db, access, clock, actor, guildId, scope, channelId, filter, live: true, cancellationToken);
        if (refused is not null)
        {
            return refused;
        }

        var settings = options.CurrentValue;
        var guild = await db.Guilds.AsNoTracking().FirstAsync(g => g.Id == guildId, cancellationToken);
        var (channelName, parentId) = (channel?.Name, channel?.ParentId);
        var expected = PurgeScopes.Phrase(scope, channelName);
        if (!PurgeScopes.PhraseMatches(expected, confirm))
        {
            return new PurgeResult.WrongPhrase(expected);
        }

        if (guild.PurgedAt is not null)
        {
            return new PurgeResult.Conflict("This server's data has already been purged.");
        }

        if (guild.DeletedAt is not null && scope != PurgeScope.Guild)
        {
            return new PurgeResult.Conflict("ClipSaver was removed from this server; only a purge of the whole server is possible.");
        }

        // The counts stored with the run: what the scope held when it was requested, as the preview counts it.
        var preview = await PurgePreview.CountAsync(db, guildId, scope, channelId, cancellationToken, filter);

        var now = clock.GetUtcNow();
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
        // Serialises purge requests of one guild, so that the overlap check and the insert below are one step.
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtextextended('clipsaver:purge-request:' || {guildId}::text, 0))", cancellationToken);

        // A channel purge covers the channel and its threads; it overlaps a purge of any of them, and of the channel
        // a thread belongs to.
        long[] covered = scope == PurgeScope.Channel ? await PurgeScopes.ChannelIdsAsync(db, guildId, channelId!.Value, cancellationToken) : [];
        var active = await db.PurgeRuns
            .Where(p => p.GuildId == guildId && (p.Status == PurgeStatus.Scheduled || p.Status == PurgeStatus.Running) && p.Scope != PurgeScope.Author)
            .Select(p => new { p.Scope, p.ChannelId })
            .ToListAsync(cancellationToken);
        if (active.Any(p => scope != PurgeScope.Channel || p.Scope != PurgeScope.Channel || covered.Contains(p.ChannelId!.Value) || p.ChannelId == parentId))
        {
            return new PurgeResult.Conflict("A purge that covers this data is already scheduled or running.");
        }

        if (await ClaimCooldownAsync(guildId, scope, covered, now, now + settings.Cooldown, cancellationToken) is { } allowedAt)
        {
            return new PurgeResult.CoolingDown(allowedAt);
        }

        var title = PurgeScopes.Describe(scope, channelName, filter);
        var run = new PurgeRun
        {
            GuildId = guildId,
            Scope = scope,
            ChannelId = scope == PurgeScope.Channel ? channelId : null,
            OlderThan = filter.OlderThan,
            FailedOnly = filter.FailedOnly,
            RequestedBy = actor.UserId,
            RequestedAt = now,
            NotBefore = now + settings.UndoWindow,
            Status = PurgeStatus.Scheduled,
            Step = "scheduled",
            PreviewJson = JsonSerializer.Serialize(preview, JsonSerializerOptions.Web),
        };
        db.PurgeRuns.Add(run);
        db.AuditEvents.Add(new AuditEvent
        {
            GuildId = guildId,
            ActorUserId = actor.UserId,
            Action = "purge.requested",
            Summary = $"{title} requested; starts at {Display.Time(run.NotBefore)}.",
            CreatedAt = now,
        });
        await db.SaveChangesAsync(cancellationToken);
        await tx.CommitAsync(cancellationToken);

        // Scheduled after the commit: a run whose job was lost (a crash right here) is picked up by RunRecovery.
        run.HangfireJobId = jobs.Schedule<PurgeJob>(j => j.RunAsync(run.Id, CancellationToken.None), run.NotBefore);
        await db.PurgeRuns.Where(p => p.Id == run.Id).ExecuteUpdateAsync(s => s.SetProperty(p => p.HangfireJobId, run.HangfireJobId), cancellationToken);
        return new PurgeResult.Accepted(run, title);
    }

    /// <summary>
    /// Checks and claims the cooldown in one statement: of many concurrent requests exactly one updates the rows (and
    /// the guild's lock already serialises them). A channel's cooldown covers its threads. Null when claimed (a guild
    /// purge has none), otherwise when the scope may be purged again.
    /// </summary>
    private async Task<DateTimeOffset?> ClaimCooldownAsync(long guildId, PurgeScope scope, long[] covered, DateTimeOffset now, DateTimeOffset until, CancellationToken cancellationToken)
    {
        if (scope == PurgeScope.Channel)
        {
            var claimed = await db.Channels
                .Where(c => covered.Contains(c.Id) && !db.Channels.Any(o => covered.Contains(o.Id) && o.PurgeCooldownUntil > now))
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.PurgeCooldownUntil, until), cancellationToken);
            return claimed > 0 ? null : await db.Channels.Where(c => covered.Contains(c.Id)).MaxAsync(c => c.PurgeCooldownUntil, cancellationToken);
        }

        if (scope == PurgeScope.AllChannels)
        {
            var claimed = await db.Guilds
                .Where(g => g.Id == guildId && (g.AllChannelsPurgeCooldownUntil == null || g.AllChannelsPurgeCooldownUntil <= now))
                .ExecuteUpdateAsync(s => s.SetProperty(g => g.AllChannelsPurgeCooldownUntil, until), cancellationToken);
            return claimed > 0 ? null : await db.Guilds.Where(g => g.Id == guildId).Select(g => g.AllChannelsPurgeCooldownUntil).FirstAsync(cancellationToken);
        }

        return null;
    }
}

using ClipSaver.Core.Purging;

namespace ClipSaver.Core.OwnData;

public abstract record OwnDeletionResult
{
    private OwnDeletionResult()
    {
    }

    /// <summary>What would go, per guild, and what to type to confirm it (the member's Discord username).</summary>
    public sealed record Previewed(IReadOnlyList<OwnGuildTotals> Guilds, string Phrase) : OwnDeletionResult;

    /// <summary>One run per guild, each starting at the end of the undo window.</summary>
    public sealed record Accepted(IReadOnlyList<PurgeRun> Runs) : OwnDeletionResult;

    /// <summary>The typed phrase is not the member's username (400); nothing was recorded.</summary>
    public sealed record WrongPhrase(string Expected) : OwnDeletionResult;

    /// <summary>The member has no clips (in that guild): there is nothing to delete (404).</summary>
    public sealed record NothingToDelete : OwnDeletionResult;

    /// <summary>A deletion of the member's clips there is already scheduled or running (409).</summary>
    public sealed record Conflict(string Reason) : OwnDeletionResult;
}

/// <summary>
/// A member deletes the clips they posted, in one guild or everywhere: previewed, confirmed with their username,
/// recorded as one <see cref="PurgeScope.Author"/> run per guild that the purge job carries out after the undo window
/// (batched, behind the fence, verified, reported). Only the actor's own clips, by author id; no guild rights involved.
/// </summary>
public sealed class DeleteOwnClips(ClipSaverDbContext db, ListOwnClips own, IBackgroundJobClient jobs, IOptionsMonitor<PurgeOptions> options, TimeProvider clock)
{
    public async Task<OwnDeletionResult> PreviewAsync(Actor actor, long? guildId, CancellationToken cancellationToken)
    {
        var phrase = await PhraseAsync(actor, cancellationToken);
        var totals = await own.TotalsAsync(actor, guildId, null, cancellationToken);
        return phrase is null || (guildId is not null && totals.Count == 0) ? new OwnDeletionResult.NothingToDelete() : new OwnDeletionResult.Previewed(totals, phrase);
    }

    public async Task<OwnDeletionResult> RequestAsync(Actor actor, long? guildId, string? confirm, CancellationToken cancellationToken)
    {
        if (await PhraseAsync(actor, cancellationToken) is not { } phrase)
        {
            return new OwnDeletionResult.NothingToDelete();
        }

        if (!PurgeScopes.PhraseMatches(phrase, confirm))
        {
            return new OwnDeletionResult.WrongPhrase(phrase);
        }

        return await StartAsync(actor, guildId, cancellationToken);
    }

    /// <summary>Records the runs once the phrase was checked: here, or by an opt-out that asked to delete what exists (<see cref="ChangeOptOut"/>).</summary>
    internal async Task<OwnDeletionResult> StartAsync(Actor actor, long? guildId, CancellationToken cancellationToken)
    {
        var userId = ListOwnClips.UserOf(actor);
        var totals = await own.TotalsAsync(actor, guildId, null, cancellationToken);
        if (totals.Count == 0)
        {
            return new OwnDeletionResult.NothingToDelete();
        }

        var now = clock.GetUtcNow();
        var guilds = totals.Select(t => t.GuildId).ToList();
        var runs = new List<PurgeRun>();
        await using (var tx = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            // Serialises one member's requests, so that the overlap check and the inserts are one step.
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtextextended('clipsaver:own-delete:' || {userId}::text, 0))", cancellationToken);
            if (await db.PurgeRuns.AnyAsync(p => p.AuthorId == userId && guilds.Contains(p.GuildId) && (p.Status == PurgeStatus.Scheduled || p.Status == PurgeStatus.Running), cancellationToken))
            {
                return new OwnDeletionResult.Conflict("A deletion of your clips there is already scheduled or running.");
            }

            foreach (var t in totals)
            {
                runs.Add(new PurgeRun
                {
                    GuildId = t.GuildId,
                    Scope = PurgeScope.Author,
                    AuthorId = userId,
                    RequestedBy = userId,
                    RequestedAt = now,
                    NotBefore = now + options.CurrentValue.UndoWindow,
                    Status = PurgeStatus.Scheduled,
                    Step = "scheduled",
                    PreviewJson = JsonSerializer.Serialize(new PurgePreview(t.Clips, t.Files, t.Bytes, 0, 0, 0), JsonSerializerOptions.Web),
                });
            }

            db.PurgeRuns.AddRange(runs);
            db.AuditEvents.Add(new AuditEvent
            {
                ActorUserId = userId,
                Action = "me.clips_delete_requested",
                Summary = $"Asked to delete the {Display.Count(totals.Sum(t => t.Clips), "clip")} I had posted in {Display.Count(totals.Count, "server")}; starts at {Display.Time(runs[0].NotBefore)}.",
                CreatedAt = now,
            });
            await db.SaveChangesAsync(cancellationToken);
            await tx.CommitAsync(cancellationToken);
        }

        // Scheduled after the commit: a run whose job was lost (a crash right here) is picked up by RunRecovery.
        foreach (var run in runs)
        {
            run.HangfireJobId = jobs.Schedule<PurgeJob>(j => j.RunAsync(run.Id, CancellationToken.None), run.NotBefore);
            await db.PurgeRuns.Where(p => p.Id == run.Id).ExecuteUpdateAsync(s => s.SetProperty(p => p.HangfireJobId, run.HangfireJobId), cancellationToken);
        }

        return new OwnDeletionResult.Accepted(runs);
    }

    /// <summary>The member's Discord username, as Discord last told us; null for a user ClipSaver does not know.</summary>
    private Task<string?> PhraseAsync(Actor actor, CancellationToken cancellationToken)
    {
        var userId = ListOwnClips.UserOf(actor);
        return db.Users.Where(u => u.Id == userId).Select(u => u.Username).FirstOrDefaultAsync(cancellationToken);
    }
}

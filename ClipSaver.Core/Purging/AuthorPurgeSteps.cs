namespace ClipSaver.Core.Purging;

/// <summary>
/// The steps of a member's deletion of the clips they posted (<see cref="PurgeScope.Author"/>), run by
/// <see cref="PurgeJob"/> instead of <see cref="PurgeSteps"/>: idempotent like them, counted in the run's row.
/// </summary>
public sealed class AuthorPurgeSteps(ClipSaverDbContext db, ClipArchive archive, IOptionsMonitor<PurgeOptions> options, TimeProvider clock)
{
    /// <summary>
    /// A member's clips in the guild (<see cref="PurgeScope.Author"/>): through <see cref="ClipArchive.DeleteAsync(long, IQueryable{Clip}, int, Func{ClipDeletionBatch, CancellationToken, Task}?, CancellationToken)"/>,
    /// the writers' way, in batches behind the fence, each counted in its transaction, the files right after. Clips in
    /// a channel that a running purge covers are that purge's: this waits for it and looks again, so the two runs'
    /// counts add up to what there was.
    /// </summary>
    public async Task DeleteAuthorClipsAsync(PurgeTarget t, CancellationToken cancellationToken)
    {
        var (guildId, authorId) = (t.GuildId, t.AuthorId ?? throw new InvalidOperationException("A member's deletion needs its author."));
        var mine = db.Clips.Where(c => c.AuthorId == authorId);
        while (true)
        {
            var deleted = await archive.DeleteAsync(guildId, mine, options.CurrentValue.BatchSize, async (batch, token) =>
            {
                await t.Lease.EnsureHeldAsync(token);
                await t.Progress.AddAuthorBatchAsync(batch.Clips, batch.Files, batch.Bytes, clock.GetUtcNow(), token);
            }, cancellationToken);
            if (!await mine.AnyAsync(c => c.GuildId == guildId, cancellationToken))
            {
                return;
            }

            var purgeRunning = await db.PurgeRuns.AnyAsync(p => p.GuildId == guildId && p.Status == PurgeStatus.Running && p.Scope != PurgeScope.Author, cancellationToken);
            if (deleted.Clips == 0 && !purgeRunning)
            {
                throw new InvalidOperationException("Some of the member's clips could not be deleted; the deletion will be retried.");
            }

            await HeartbeatAsync(t, cancellationToken);
            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
        }
    }

    /// <summary>Counts what is left of the member's clips in the guild; throws (the run fails and is retried) unless nothing is.</summary>
    public async Task VerifyAuthorAsync(PurgeTarget t, CancellationToken cancellationToken)
    {
        var (guildId, authorId) = (t.GuildId, t.AuthorId!.Value);
        var left = await db.Clips.LongCountAsync(c => c.GuildId == guildId && c.AuthorId == authorId, cancellationToken);
        var verification = new PurgeVerification(left == 0, new Dictionary<string, long> { [PurgeProgress.ClipsTable] = left });
        await t.Progress.RecordVerificationAsync(verification, cancellationToken);
        if (!verification.Ok)
        {
            throw new InvalidOperationException($"Verification found {left} of the member's clips left.");
        }
    }

    /// <summary>The run's sign of life while it waits for another purge; first it checks that this job still holds the run's lease.</summary>
    private async Task HeartbeatAsync(PurgeTarget t, CancellationToken cancellationToken)
    {
        await t.Lease.EnsureHeldAsync(cancellationToken);
        await db.PurgeRuns.Where(p => p.Id == t.RunId).ExecuteUpdateAsync(s => s.SetProperty(p => p.HeartbeatAt, clock.GetUtcNow()), cancellationToken);
    }
}

using ClipSaver.Core.Purging;

namespace ClipSaver.Core.OwnData;

/// <summary>Whether a member asked not to be archived, and since when.</summary>
public sealed record OptOutState(bool OptOut, DateTimeOffset? Since);

public abstract record OptOutResult
{
    private OptOutResult()
    {
    }

    /// <summary>The state now, and the deletions an opt-out with <c>deleteExisting</c> started (none otherwise).</summary>
    public sealed record Changed(OptOutState State, IReadOnlyList<PurgeRun> Deletions) : OptOutResult;

    /// <summary><c>deleteExisting</c> without opting out (400); nothing changed.</summary>
    public sealed record Invalid(string Reason) : OptOutResult;

    /// <summary><c>deleteExisting</c> without the member's username typed to confirm (400); nothing changed.</summary>
    public sealed record WrongPhrase(string Expected) : OptOutResult;

    /// <summary>ClipSaver does not know the user (404).</summary>
    public sealed record UnknownUser : OptOutResult;
}

/// <summary>
/// "Do not archive what I post": stored on the user and honoured where clips come in
/// (<see cref="Archive.ClipArchive.AddCountingAsync"/>), in every guild. Opting out may delete what is already
/// archived, with the deletion's own safety (their username typed to confirm, the undo window: <see cref="DeleteOwnClips"/>);
/// opting back in archives new posts again.
/// </summary>
public sealed class ChangeOptOut(ClipSaverDbContext db, DeleteOwnClips delete, TimeProvider clock)
{
    public const string DeleteNeedsOptOut = "deleteExisting deletes your archived clips when you opt out; send it with optOut: true, or use the deletion of your clips.";

    public async Task<OptOutState?> GetAsync(Actor actor, CancellationToken cancellationToken)
    {
        var userId = ListOwnClips.UserOf(actor);
        var user = await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => new { u.OptedOutAt }).FirstOrDefaultAsync(cancellationToken);
        return user is null ? null : new OptOutState(user.OptedOutAt is not null, user.OptedOutAt);
    }

    /// <param name="confirm">With <paramref name="deleteExisting"/>: the member's Discord username, as for any deletion of their clips.</param>
    public async Task<OptOutResult> SetAsync(Actor actor, bool optOut, bool deleteExisting, string? confirm, CancellationToken cancellationToken)
    {
        if (deleteExisting && !optOut)
        {
            return new OptOutResult.Invalid(DeleteNeedsOptOut);
        }

        var userId = ListOwnClips.UserOf(actor);
        if (deleteExisting)
        {
            var phrase = await db.Users.Where(u => u.Id == userId).Select(u => u.Username).FirstOrDefaultAsync(cancellationToken);
            if (phrase is null)
            {
                return new OptOutResult.UnknownUser();
            }

            if (!PurgeScopes.PhraseMatches(phrase, confirm))
            {
                return new OptOutResult.WrongPhrase(phrase);
            }
        }

        var now = clock.GetUtcNow();
        await using (var tx = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            // Only a change is recorded: opting out twice keeps the first date.
            var changed = optOut
                ? await db.Users.Where(u => u.Id == userId && u.OptedOutAt == null).ExecuteUpdateAsync(s => s.SetProperty(u => u.OptedOutAt, now), cancellationToken)
                : await db.Users.Where(u => u.Id == userId && u.OptedOutAt != null).ExecuteUpdateAsync(s => s.SetProperty(u => u.OptedOutAt, (DateTimeOffset?)null), cancellationToken);
            if (changed == 0 && !await db.Users.AnyAsync(u => u.Id == userId, cancellationToken))
            {
                return new OptOutResult.UnknownUser();
            }

            if (changed == 1)
            {
                db.AuditEvents.Add(new AuditEvent
                {
                    ActorUserId = userId,
                    Action = optOut ? "me.opted_out" : "me.opted_in",
                    Summary = optOut ? "Asked ClipSaver not to archive what I post." : "Let ClipSaver archive what I post again.",
                    CreatedAt = now,
                });
                await db.SaveChangesAsync(cancellationToken);
            }

            await tx.CommitAsync(cancellationToken);
        }

        IReadOnlyList<PurgeRun> runs = deleteExisting && await delete.StartAsync(actor, null, cancellationToken) is OwnDeletionResult.Accepted a ? a.Runs : [];
        return new OptOutResult.Changed((await GetAsync(actor, cancellationToken))!, runs);
    }
}

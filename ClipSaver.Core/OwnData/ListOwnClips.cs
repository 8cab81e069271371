using ClipSaver.Core.Clips;

namespace ClipSaver.Core.OwnData;

/// <summary>What a member posted in one guild: the guild's name as ClipSaver knows it, counts and bytes.</summary>
public sealed record OwnGuildTotals(long GuildId, string GuildName, long Clips, long Files, long Bytes, DateTimeOffset NewestPostedAt);

public abstract record OwnClipsResult
{
    private OwnClipsResult()
    {
    }

    /// <summary>One page of the actor's own clips, newest first; <see cref="NextCursor"/> is null on the last page.</summary>
    public sealed record Listed(IReadOnlyList<Clip> Clips, string? NextCursor) : OwnClipsResult;

    /// <summary>The cursor is malformed (<see cref="ClipCursor.Problem"/>).</summary>
    public sealed record BadCursor : OwnClipsResult;

    /// <summary>The search cannot be looked for (<see cref="ClipSearch.Problem"/>): too long, or with control characters.</summary>
    public sealed record BadSearch(string Problem) : OwnClipsResult;
}

/// <summary>
/// "My clips": the clips a signed-in user posted, in every guild ClipSaver archives, found by the author id Discord
/// gave us and nothing else. No guild rights are needed or consulted (docs/decisions/018-members-own-data.md).
/// </summary>
public sealed class ListOwnClips(ClipSaverDbContext db)
{
    public const int MaxLimit = ListClips.MaxLimit;

    /// <summary>The user the actor is; the system has no clips of its own.</summary>
    public static long UserOf(Actor actor) =>
        actor.UserId ?? throw new InvalidOperationException("Only a signed-in user has clips of their own.");

    /// <summary>The actor's clips (of one guild, or everywhere).</summary>
    public static IQueryable<Clip> Of(ClipSaverDbContext db, Actor actor, long? guildId)
    {
        var userId = UserOf(actor);
        return db.Clips.Where(c => c.AuthorId == userId && (guildId == null || c.GuildId == guildId));
    }

    /// <summary>The actor's clips whose file name holds <paramref name="search"/> (the guild clip list's search), or all of them.</summary>
    private IQueryable<Clip> Matching(Actor actor, long? guildId, string? search) =>
        ClipSearch.Normalize(search) is { } text ? ClipSearch.Apply(Of(db, actor, guildId), text) : Of(db, actor, guildId);

    /// <summary>One page of the actor's clips, newest first, optionally only those whose file name holds <paramref name="search"/>.</summary>
    public async Task<OwnClipsResult> ListAsync(Actor actor, long? guildId, string? cursor, int limit, string? search, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, MaxLimit);
        if (ClipSearch.Problem(search) is { } problem)
        {
            return new OwnClipsResult.BadSearch(problem);
        }

        var clips = Matching(actor, guildId, search).AsNoTracking();
        if (cursor is not null)
        {
            if (!ClipCursor.TryParse(cursor, out var after))
            {
                return new OwnClipsResult.BadCursor();
            }

            clips = after.After(clips);
        }

        var (page, next) = await ClipCursor.PageAsync(clips, limit, cancellationToken);
        return new OwnClipsResult.Listed(page, next);
    }

    /// <summary>
    /// The actor's clips per guild (only those whose file name holds <paramref name="search"/>, when given), the guild
    /// with the newest clip first. A search that cannot be looked for counts nothing.
    /// </summary>
    public async Task<IReadOnlyList<OwnGuildTotals>> TotalsAsync(Actor actor, long? guildId, string? search, CancellationToken cancellationToken)
    {
        if (ClipSearch.Problem(search) is not null)
        {
            return [];
        }

        var totals = await Matching(actor, guildId, search)
            .GroupBy(c => c.GuildId)
            .Select(g => new
            {
                GuildId = g.Key,
                Clips = g.LongCount(),
                Files = g.LongCount(c => c.StorageKey != null),
                Bytes = g.Sum(c => c.StorageKey != null ? c.SizeBytes : 0),
                Newest = g.Max(c => c.PostedAt),
            })
            .ToListAsync(cancellationToken);
        var ids = totals.Select(t => t.GuildId).ToList();
        var names = await db.Guilds.AsNoTracking().Where(g => ids.Contains(g.Id)).ToDictionaryAsync(g => g.Id, g => g.Name, cancellationToken);
        return [.. totals.OrderByDescending(t => t.Newest)
            .Select(t => new OwnGuildTotals(t.GuildId, names.GetValueOrDefault(t.GuildId) ?? "Unknown server", t.Clips, t.Files, t.Bytes, t.Newest))];
    }
}

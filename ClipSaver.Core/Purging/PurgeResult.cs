namespace ClipSaver.Core.Purging;

/// <summary>
/// What a purge use case answers (<see cref="RequestPurge"/>, <see cref="PreviewPurge"/>, <see cref="CancelPurge"/>,
/// <see cref="ListPurgeClips"/>): its own success, or one of the refusals they share. A refusal changed nothing. The
/// page maps a refusal to a sentence and the API to a ProblemDetails, each with the same status code.
/// </summary>
public abstract record PurgeResult
{
    private PurgeResult()
    {
    }

    /// <summary><see cref="RequestPurge"/>: the run is recorded and its job scheduled for the end of the undo window.</summary>
    public sealed record Accepted(PurgeRun Run, string Title) : PurgeResult;

    /// <summary><see cref="PreviewPurge"/>: what the purge would delete, and what to type to confirm it.</summary>
    public sealed record Previewed(long GuildId, PurgeScope Scope, long? ChannelId, string? ChannelName, PurgePreview Counts, DateTimeOffset? CooldownUntil, string Phrase, PurgeFilter Filter) : PurgeResult
    {
        public string Title => PurgeScopes.Describe(Scope, ChannelName, Filter);
    }

    /// <summary><see cref="CancelPurge"/>: cancelled inside its undo window; its cooldown was given back.</summary>
    public sealed record Cancelled(long RunId) : PurgeResult;

    /// <summary><see cref="ListPurgeClips"/>: the clips the purge would delete, read as they are enumerated.</summary>
    public sealed record ClipList(IAsyncEnumerable<ClipRow> Rows, string FileName) : PurgeResult;

    /// <summary>No such guild, channel or purge, or one the user may not see (404).</summary>
    public sealed record NotFound(string What) : PurgeResult
    {
        public const string Guild = "guild";
        public const string Channel = "channel";
        public const string Purge = "purge";
    }

    /// <summary>The user manages the guild but does not own it; purges are the owner's alone (403).</summary>
    public sealed record NotOwner : PurgeResult;

    /// <summary>A narrower purge's options that cannot be (a day in the future, both at once, the whole server) (422).</summary>
    public sealed record BadFilter(string Reason) : PurgeResult;

    /// <summary>The typed phrase is not the expected one (400).</summary>
    public sealed record WrongPhrase(string Expected) : PurgeResult;

    /// <summary>Inside the cooldown; <see cref="AllowedAt"/> is when a purge of this scope is allowed again (429).</summary>
    public sealed record CoolingDown(DateTimeOffset AllowedAt) : PurgeResult;

    /// <summary>Overlaps a scheduled or running purge, or the guild is already purged or removed (409).</summary>
    public sealed record Conflict(string Reason) : PurgeResult;

    /// <summary>The purge to cancel has already started or ended (409).</summary>
    public sealed record TooLate : PurgeResult;

    public bool IsRefusal => this is NotFound or NotOwner or BadFilter or WrongPhrase or CoolingDown or Conflict or TooLate;

    /// <summary>The channel a channel purge names: its name (the phrase), its parent when it is a thread, its cooldown.</summary>
    internal sealed record ScopeChannel(string Name, long? ParentId, DateTimeOffset? CooldownUntil);

    /// <summary>
    /// What the request, the preview and the clip list check first, in this order: a well-formed scope (a bug
    /// otherwise), the owner (<see cref="RefuseUnlessOwnerAsync"/>), a filter that fits the scope today, and for a
    /// channel purge a channel of this guild. Null and the channel (for a channel purge) when all hold.
    /// </summary>
    internal static async Task<(PurgeResult? Refusal, ScopeChannel? Channel)> CheckScopeAsync(
        ClipSaverDbContext db, GuildAccess access, TimeProvider clock, Actor actor, long guildId, PurgeScope scope, long? channelId, PurgeFilter filter, bool live, CancellationToken cancellationToken)
    {
        PurgeScopes.EnsureWellFormed(scope, channelId);
        if ((await RefuseUnlessOwnerAsync(db, access, actor, guildId, live, cancellationToken) ?? filter.Check(scope, clock)) is { } refused)
        {
            return (refused, null);
        }

        if (scope != PurgeScope.Channel)
        {
            return (null, null);
        }

        var channel = await db.Channels.AsNoTracking().Where(c => c.Id == channelId && c.GuildId == guildId)
            .Select(c => new ScopeChannel(c.Name, c.IsThread ? c.ParentId : null, c.PurgeCooldownUntil)).FirstOrDefaultAsync(cancellationToken);
        return channel is null ? (new NotFound(NotFound.Channel), null) : (null, channel);
    }

    /// <summary>
    /// The check every purge use case starts with. Purges are the guild owner's alone (design brief §4;
    /// docs/decisions/007-access.md); ClipSaver itself may purge too (the grace-period deletion). Null when the actor
    /// may purge the guild; otherwise the refusal: not found for a guild the user may not see (or that does not
    /// exist), not the owner for a manager. <paramref name="live"/> asks Discord now, whatever the cache says: before
    /// anything is recorded or cancelled.
    /// </summary>
    internal static async Task<PurgeResult?> RefuseUnlessOwnerAsync(ClipSaverDbContext db, GuildAccess access, Actor actor, long guildId, bool live, CancellationToken cancellationToken)
    {
        if (actor.UserId is not { } userId)
        {
            return await db.Guilds.AnyAsync(g => g.Id == guildId, cancellationToken) ? null : new NotFound(NotFound.Guild);
        }

        var role = live ? await access.GetLiveRoleAsync(guildId, userId, cancellationToken) : await access.GetRoleAsync(guildId, userId, cancellationToken);
        return role switch
        {
            GuildRole.Owner => null,
            GuildRole.Manager => new NotOwner(),
            _ => new NotFound(NotFound.Guild),
        };
    }
}

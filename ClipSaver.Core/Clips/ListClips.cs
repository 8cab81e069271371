using ClipSaver.Core.Access;

namespace ClipSaver.Core.Clips;

/// <summary>What to list: clips of one channel, of one author, posted between two days (inclusive, UTC), after a cursor.</summary>
public sealed record ClipFilter(long? ChannelId = null, long? AuthorId = null, DateOnly? From = null, DateOnly? To = null, string? Cursor = null);

public abstract record ListClipsResult
{
    private ListClipsResult()
    {
    }

    /// <summary>One page, newest first; <see cref="NextCursor"/> is null on the last page.</summary>
    public sealed record Listed(IReadOnlyList<Clip> Clips, string? NextCursor) : ListClipsResult;

    /// <summary>The guild does not exist or the actor may not see it.</summary>
    public sealed record UnknownGuild : ListClipsResult;

    /// <summary>The cursor is malformed (<see cref="ClipCursor.Problem"/>).</summary>
    public sealed record BadCursor : ListClipsResult;
}

/// <summary>A guild's clips, newest first, filtered and paged by keyset: the dashboard's clip browser and the API's list.</summary>
public sealed class ListClips(ClipSaverDbContext db, GuildAccess access)
{
    public const int MaxLimit = 200;

    public async Task<ListClipsResult> ListAsync(Actor actor, long guildId, ClipFilter filter, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, MaxLimit);
        if (await access.RoleOfAsync(actor, guildId, cancellationToken) == GuildRole.None)
        {
            return new ListClipsResult.UnknownGuild();
        }

        var clips = db.Clips.AsNoTracking().Where(c => c.GuildId == guildId);
        if (filter.Cursor is { } text)
        {
            if (!ClipCursor.TryParse(text, out var after))
            {
                return new ListClipsResult.BadCursor();
            }

            clips = after.After(clips);
        }

        if (filter.ChannelId is { } channel)
        {
            clips = clips.Where(c => c.ChannelId == channel);
        }

        if (filter.AuthorId is { } author)
        {
            clips = clips.Where(c => c.AuthorId == author);
        }

        if (filter.From is { } from)
        {
            var since = new DateTimeOffset(from.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            clips = clips.Where(c => c.PostedAt >= since);
        }

        if (filter.To is { } to && to < DateOnly.MaxValue)
        {
            var until = new DateTimeOffset(to.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            clips = clips.Where(c => c.PostedAt < until);
        }

        var (page, next) = await ClipCursor.PageAsync(clips, limit, cancellationToken);
        return new ListClipsResult.Listed(page, next);
    }
}

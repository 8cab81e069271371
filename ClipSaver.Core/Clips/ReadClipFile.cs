using ClipSaver.Core.Access;
using ClipSaver.Core.Storage;

namespace ClipSaver.Core.Clips;

public abstract record ClipFileResult
{
    private ClipFileResult()
    {
    }

    /// <summary>The stored file, opened; the caller streams and disposes it.</summary>
    public sealed record Found(Stream Content, string ContentType, string FileName) : ClipFileResult;

    /// <summary>No such guild for the actor (<c>guild</c>), or no stored file for that clip (<c>clip file</c>).</summary>
    public sealed record NotFound(string What) : ClipFileResult;
}

/// <summary>Opens a clip's stored file for the player, a download or the API.</summary>
public sealed class ReadClipFile(ClipSaverDbContext db, GuildAccess access, IClipStorage storage)
{
    public const string Fallback = "application/octet-stream";

    public async Task<ClipFileResult> OpenAsync(Actor actor, long guildId, long clipId, CancellationToken cancellationToken)
    {
        if (await access.RoleOfAsync(actor, guildId, cancellationToken) == GuildRole.None)
        {
            return new ClipFileResult.NotFound("guild");
        }

        return await OpenAsync(db.Clips.Where(c => c.Id == clipId && c.GuildId == guildId), cancellationToken);
    }

    /// <summary>A clip's file for its author ("My clips"), whatever their rights in its guild; nobody else's clip exists here.</summary>
    public Task<ClipFileResult> OpenOwnAsync(Actor actor, long clipId, CancellationToken cancellationToken)
    {
        var userId = actor.UserId ?? throw new InvalidOperationException("Only a signed-in user has clips of their own.");
        return OpenAsync(db.Clips.Where(c => c.Id == clipId && c.AuthorId == userId), cancellationToken);
    }

    private async Task<ClipFileResult> OpenAsync(IQueryable<Clip> clips, CancellationToken cancellationToken)
    {
        var clip = await clips.AsNoTracking().Select(c => new { c.StorageKey, c.ContentType, c.FileName }).FirstOrDefaultAsync(cancellationToken);
        if (clip?.StorageKey is null || await storage.OpenReadAsync(clip.StorageKey, cancellationToken) is not { } stream)
        {
            return new ClipFileResult.NotFound("clip file");
        }

        // Only a video type is sent as Discord gave it: a stored text/html or image/svg+xml would otherwise be served
        // from our own origin, next to the session cookie.
        var type = clip.ContentType is { } t && t.StartsWith("video/", StringComparison.Ordinal) ? t : Fallback;
        return new ClipFileResult.Found(stream, type, clip.FileName);
    }
}

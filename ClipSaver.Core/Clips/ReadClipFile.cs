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

/// <summary>A clip's poster image (docs/decisions/020-thumbnails.md).</summary>
public abstract record ThumbnailResult
{
    private ThumbnailResult()
    {
    }

    /// <summary>The JPEG, opened; the caller sends it with <see cref="ETag"/> and disposes it.</summary>
    public sealed record Found(Stream Content, string ETag) : ThumbnailResult;

    /// <summary>The caller's copy (If-None-Match) is the current one: nothing to send.</summary>
    public sealed record NotModified(string ETag) : ThumbnailResult;

    /// <summary>No such guild for the actor (<c>guild</c>), or no thumbnail for that clip (<c>thumbnail</c>: none yet, or no video).</summary>
    public sealed record NotFound(string What) : ThumbnailResult;
}

/// <summary>Opens a clip's stored file (or its thumbnail) for the player, a download or the API, under the same rules.</summary>
public sealed class ReadClipFile(ClipSaverDbContext db, GuildAccess access, IClipStorage storage)
{
    public const string Fallback = "application/octet-stream";

    public async Task<ClipFileResult> OpenAsync(Actor actor, long guildId, long clipId, CancellationToken cancellationToken) =>
        await GuildClipAsync(actor, guildId, clipId, cancellationToken) is { } clip ? await OpenAsync(clip, cancellationToken) : new ClipFileResult.NotFound("guild");

    /// <summary>A clip's file for its author ("My clips"), whatever their rights in its guild; nobody else's clip exists here.</summary>
    public Task<ClipFileResult> OpenOwnAsync(Actor actor, long clipId, CancellationToken cancellationToken) => OpenAsync(OwnClip(actor, clipId), cancellationToken);

    /// <summary>
    /// A clip's thumbnail, for whoever may open its file (<see cref="OpenAsync(Actor, long, long, CancellationToken)"/>).
    /// A thumbnail never changes once made: its entity tag comes from the clip's file, and a matching
    /// <paramref name="ifNoneMatch"/> answers <see cref="ThumbnailResult.NotModified"/> without reading storage.
    /// </summary>
    public async Task<ThumbnailResult> OpenThumbnailAsync(Actor actor, long guildId, long clipId, string? ifNoneMatch, CancellationToken cancellationToken) =>
        await GuildClipAsync(actor, guildId, clipId, cancellationToken) is { } clip
            ? await OpenThumbnailAsync(clip, ifNoneMatch, cancellationToken)
            : new ThumbnailResult.NotFound("guild");

    /// <summary>The thumbnail of one of the actor's own clips ("My clips").</summary>
    public Task<ThumbnailResult> OpenOwnThumbnailAsync(Actor actor, long clipId, string? ifNoneMatch, CancellationToken cancellationToken) =>
        OpenThumbnailAsync(OwnClip(actor, clipId), ifNoneMatch, cancellationToken);

    /// <summary>The clip in the guild, or null when the actor may not see the guild.</summary>
    private async Task<IQueryable<Clip>?> GuildClipAsync(Actor actor, long guildId, long clipId, CancellationToken cancellationToken) =>
        await access.RoleOfAsync(actor, guildId, cancellationToken) == GuildRole.None ? null : db.Clips.Where(c => c.Id == clipId && c.GuildId == guildId);

    private IQueryable<Clip> OwnClip(Actor actor, long clipId)
    {
        var userId = actor.UserId ?? throw new InvalidOperationException("Only a signed-in user has clips of their own.");
        return db.Clips.Where(c => c.Id == clipId && c.AuthorId == userId);
    }

    private async Task<ThumbnailResult> OpenThumbnailAsync(IQueryable<Clip> clips, string? ifNoneMatch, CancellationToken cancellationToken)
    {
        var clip = await clips.AsNoTracking().Where(c => c.ThumbnailState == ThumbnailState.Made && c.StorageKey != null)
            .Select(c => new { c.Id, StorageKey = c.StorageKey!, c.Sha256 }).FirstOrDefaultAsync(cancellationToken);
        if (clip is null)
        {
            return new ThumbnailResult.NotFound("thumbnail");
        }

        // The file's checksum names its content; the picture is made from it by fixed settings ("t1").
        var etag = $"\"t1-{clip.Sha256?[..16] ?? clip.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)}\"";
        if (Matches(ifNoneMatch, etag))
        {
            return new ThumbnailResult.NotModified(etag);
        }

        return await storage.OpenReadAsync(ClipStorageKeys.ThumbnailOf(clip.StorageKey), cancellationToken) is { } stream
            ? new ThumbnailResult.Found(stream, etag)
            : new ThumbnailResult.NotFound("thumbnail");
    }

    /// <summary>If-None-Match: "*", or a list of tags, weak ones (W/"…") compared weakly as RFC 9110 says.</summary>
    private static bool Matches(string? ifNoneMatch, string etag) =>
        ifNoneMatch is not null && ifNoneMatch.Split(',').Select(t => t.Trim()).Any(t => t == "*" || t == etag || t == "W/" + etag);

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

namespace ClipSaver.Core.Thumbnails;

/// <summary>
/// The thumbnail job's temporary files: an S3 clip's copy for ffmpeg (<c>clip-…</c>) and ffmpeg's picture
/// (<c>poster-…</c>), all in <see cref="ThumbnailOptions.WorkFolder"/>. A run deletes them when done; a process killed
/// meanwhile leaves them behind, so each run first deletes those older than <see cref="ThumbnailOptions.LeftoverAfter"/>
/// (younger ones may be another run's, at work on this machine).
/// </summary>
public static class ThumbnailLeftovers
{
    /// <summary>Deletes the leftovers last written before <paramref name="now"/> − <see cref="ThumbnailOptions.LeftoverAfter"/>; how many went.</summary>
    public static int Delete(ThumbnailOptions settings, DateTimeOffset now)
    {
        var before = (now - settings.LeftoverAfter).UtcDateTime;
        var deleted = 0;
        foreach (var file in new DirectoryInfo(settings.WorkFolder()).EnumerateFiles())
        {
            if (!IsOurs(file.Name) || file.LastWriteTimeUtc >= before)
            {
                continue;
            }

            try
            {
                file.Delete();
                deleted++;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Still open somewhere, or gone already: the next run looks again.
            }
        }

        return deleted;
    }

    private static bool IsOurs(string name) =>
        name.StartsWith(ThumbnailMaker.CopyPrefix, StringComparison.Ordinal) || name.StartsWith(ThumbnailMaker.PosterPrefix, StringComparison.Ordinal);
}

namespace ClipSaver.Core.Maintenance;

public sealed partial class OrphanScan
{
    /// <summary>
    /// Clips whose thumbnail state says <c>made</c> but whose poster is gone from storage (docs/decisions/020-thumbnails.md).
    /// The fix sets the state back to waiting, so the thumbnail job makes the poster again; only while the clip still has
    /// that file and that state (a purge, a deletion or the bad-file fix may have moved on meanwhile).
    /// </summary>
    private async Task<OrphanKind> PostersMissingAsync(bool fix, CancellationToken cancellationToken)
    {
        long count = 0;
        var examples = new List<string>();
        long lastId = 0;
        while (true)
        {
            var page = await db.Clips.AsNoTracking().Where(c => c.StorageKey != null && c.ThumbnailState == ThumbnailState.Made && c.Id > lastId)
                .OrderBy(c => c.Id).Take(500).Select(c => new { c.Id, StorageKey = c.StorageKey! }).ToListAsync(cancellationToken);
            if (page.Count == 0)
            {
                break;
            }

            lastId = page[^1].Id;
            foreach (var clip in page)
            {
                if (await storage.GetInfoAsync(ClipStorageKeys.ThumbnailOf(clip.StorageKey), cancellationToken) is not null)
                {
                    continue;
                }

                count++;
                if (examples.Count < Examples)
                {
                    examples.Add($"clip {clip.Id}: poster missing");
                }

                if (fix)
                {
                    await db.Clips.Where(c => c.Id == clip.Id && c.StorageKey == clip.StorageKey && c.ThumbnailState == ThumbnailState.Made)
                        .ExecuteUpdateAsync(s => s
                            .SetProperty(c => c.ThumbnailState, (ThumbnailState?)null)
                            .SetProperty(c => c.ThumbnailAttempts, 0)
                            .SetProperty(c => c.ThumbnailClaimedUntil, (DateTimeOffset?)null), cancellationToken);
                }
            }
        }

        return new OrphanKind("posters_missing", "Clips whose preview is recorded as made but whose poster is missing from storage (the fix makes it again).", count, examples);
    }
}

namespace ClipSaver.Core.Exports;

/// <summary>
/// Export parts written to the local folder without an fsync (decision 031). They count once written, as a file that
/// <c>cat</c> wrote does: the kernel has them, and a process that dies loses nothing of them. They are put on the disk
/// once the export is ready (or by the recovery dispatcher, when the job died before that); a part that another boot
/// of the machine wrote and never put there may have gone with a power cut, so its export is built again from it.
/// </summary>
public static class UnsyncedParts
{
    /// <summary>Puts the export's parts of this boot on the disk and records it; a failed fsync builds them again.</summary>
    public static async Task PutOnDiskAsync(ClipSaverDbContext db, IClipStorage storage, long exportId, CancellationToken cancellationToken)
    {
        if (storage is not LocalFolderClipStorage local || BootId.Current is not { } boot)
        {
            return;
        }

        var parts = await db.ExportParts.AsNoTracking().Where(p => p.ExportId == exportId && p.UnsyncedBoot == boot)
            .OrderBy(p => p.Number).Select(p => new { p.Number, p.StorageKey }).ToListAsync(cancellationToken);
        if (parts.Count == 0)
        {
            return;
        }

        try
        {
            await local.FlushToDiskAsync([.. parts.Select(p => p.StorageKey)], cancellationToken);
        }
        catch (IOException)
        {
            // After a failed fsync the kernel may have dropped the pages it could not write and report the next fsync
            // as a success: what those parts hold is not known any more.
            await BuildAgainAsync(db, storage, exportId, parts[0].Number, CancellationToken.None);
            throw;
        }

        await db.ExportParts.Where(p => p.ExportId == exportId && p.UnsyncedBoot == boot)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.UnsyncedBoot, (Guid?)null), cancellationToken);
    }

    /// <summary>
    /// For the recovery dispatcher: parts of this boot older than <paramref name="due"/> (their job died before it put
    /// them on the disk) go there now; exports with a part of another boot are built again from that part, each while
    /// no job holds its lease. Returns how many exports are built again.
    /// </summary>
    public static async Task<int> RecoverAsync(ClipSaverDbContext db, IClipStorage storage, string connectionString, DateTimeOffset due, CancellationToken cancellationToken)
    {
        var boot = BootId.Current;
        var unsynced = await db.ExportParts.AsNoTracking().Where(p => p.UnsyncedBoot != null && (p.UnsyncedBoot != boot || p.CreatedAt <= due))
            .GroupBy(p => p.ExportId).Select(g => new { ExportId = g.Key, Lost = g.Where(p => p.UnsyncedBoot != boot).Min(p => (int?)p.Number) })
            .ToListAsync(cancellationToken);
        var rebuilt = 0;
        foreach (var export in unsynced)
        {
            if (export.Lost is not { } from)
            {
                await PutOnDiskAsync(db, storage, export.ExportId, cancellationToken);
                continue;
            }

            await using var lease = await AdvisoryLock.TryAcquireAsync(connectionString, RunLeases.Export(export.ExportId), cancellationToken);
            if (lease is not null)
            {
                await BuildAgainAsync(db, storage, export.ExportId, from, cancellationToken);
                rebuilt++;
            }
        }

        return rebuilt;
    }

    /// <summary>
    /// Deletes the export's parts from number <paramref name="from"/> on and leaves the export running without a job,
    /// as a job that died leaves it: the recovery dispatcher gives it one at once, and Hangfire's retry of a job that
    /// failed here carries on too.
    /// </summary>
    private static async Task BuildAgainAsync(ClipSaverDbContext db, IClipStorage storage, long exportId, int from, CancellationToken cancellationToken)
    {
        var keys = await db.ExportParts.AsNoTracking().Where(p => p.ExportId == exportId && p.Number >= from).Select(p => p.StorageKey).ToListAsync(cancellationToken);
        await using (var tx = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            await db.Exports.Where(x => x.Id == exportId).ExecuteUpdateAsync(
                s => s.SetProperty(x => x.Status, ExportStatus.Running).SetProperty(x => x.FinishedAt, (DateTimeOffset?)null), cancellationToken);
            await db.ExportParts.Where(p => p.ExportId == exportId && p.Number >= from).ExecuteDeleteAsync(cancellationToken);
            await tx.CommitAsync(cancellationToken);
        }

        // After the rows: a crash in between leaves files that the next build of the same parts replaces.
        foreach (var key in keys)
        {
            await storage.DeleteAsync(key, cancellationToken);
        }
    }
}

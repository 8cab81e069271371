namespace ClipSaver.Web.Pages.MyClips;

/// <summary>An export as its pages show it: the row and its stored parts (<c>_ExportStatus.cshtml</c>).</summary>
public sealed record ExportView(Export Export, IReadOnlyList<ExportPart> Parts)
{
    public bool IsActive => Export.Status is ExportStatus.Queued or ExportStatus.Running;

    /// <summary>The user's exports among <paramref name="exports"/>, newest first, with their parts.</summary>
    public static async Task<IReadOnlyList<ExportView>> LoadAsync(ClipSaverDbContext db, long userId, Func<IQueryable<Export>, IQueryable<Export>> which, int take, CancellationToken cancellationToken)
    {
        var exports = await which(db.Exports.AsNoTracking().Where(x => x.UserId == userId)).OrderByDescending(x => x.CreatedAt).Take(take).ToListAsync(cancellationToken);
        var ids = exports.Select(x => x.Id).ToList();
        var parts = await db.ExportParts.AsNoTracking().Where(p => ids.Contains(p.ExportId)).OrderBy(p => p.Number).ToListAsync(cancellationToken);
        return [.. exports.Select(x => new ExportView(x, [.. parts.Where(p => p.ExportId == x.Id)]))];
    }
}

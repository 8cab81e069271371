using ClipSaver.Core.Purging;

namespace ClipSaver.Core.Maintenance;

/// <summary>Section <c>ClipSaver:OrphanScan</c>.</summary>
public sealed class OrphanScanOptions
{
    public const string Section = "ClipSaver:OrphanScan";

    /// <summary>
    /// A file without a clip counts as an orphan only once it was last written longer ago than this. A scan writes a
    /// file first and attaches it to its clip row afterwards (a page's files at once), so a young file without a clip
    /// may be one a running scan is about to attach (docs/decisions/012-maintenance.md).
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:10:00", "30.00:00:00")]
    public TimeSpan FileGrace { get; set; } = TimeSpan.FromHours(24);
}

/// <summary>One kind of orphan: how many, and a few examples an operator can look up.</summary>
public sealed record OrphanKind(string Kind, string Description, long Count, IReadOnlyList<string> Examples);

public sealed record OrphanReport(bool Skipped, bool Fixed, DateTimeOffset At, IReadOnlyList<OrphanKind> Kinds)
{
    public long Total => Kinds.Sum(k => k.Count);
}

/// <summary>
/// Looks across the whole installation for data that no longer belongs anywhere: clips of purged guilds, files
/// without a clip, clips whose file is missing or has the wrong size (or checksum, when asked), and scans or purges
/// stuck in running. With <c>fix</c> it removes the orphan rows and files and re-queues the stuck runs. Its report is
/// kept as an audit event, so the admin page and the API can show the last one.
/// </summary>
public sealed partial class OrphanScan(
    ClipSaverDbContext db,
    ClipSaverConnection connection,
    ClipArchive archive,
    IClipStorage storage,
    IBackgroundJobClient jobs,
    IOptionsMonitor<ScanOptions> scanOptions,
    IOptionsMonitor<OrphanScanOptions> options,
    TimeProvider clock,
    ILogger<OrphanScan> logger)
{
    public const string RecurringJobId = "orphan-scan";
    public const string AuditAction = "maintenance.orphan_scan";
    private const int Examples = 5;
    private const int BatchSize = 1000;

    /// <summary>Runs and purges whose heartbeat is older than this are stuck.</summary>
    public static readonly TimeSpan StuckAfter = TimeSpan.FromMinutes(30);

    [Queue(JobQueues.Maintenance)]
    [AutomaticRetry(Attempts = 1)]
    [JobDisplayName("Orphan scan (fix: {0})")]
    public Task<OrphanReport> RunAsync(bool fix, bool verifyChecksums, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        return AdvisoryLock.RunAloneAsync(connection.ConnectionString, RecurringJobId, () => ScanAsync(fix, verifyChecksums, now, cancellationToken), () =>
        {
            LogSkipped(logger);
            return new OrphanReport(true, fix, now, []);
        }, cancellationToken);
    }

    private async Task<OrphanReport> ScanAsync(bool fix, bool verifyChecksums, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var kinds = new List<OrphanKind>
        {
            await ClipsOfPurgedGuildsAsync(fix, cancellationToken),
            await FilesWithoutClipAsync(fix, now - options.CurrentValue.FileGrace, cancellationToken),
            await ClipsWithBadFileAsync(fix, verifyChecksums, cancellationToken),
            await PostersMissingAsync(fix, cancellationToken),
            await StuckScansAsync(fix, now, cancellationToken),
            await StuckPurgesAsync(fix, now, cancellationToken),
        };
        var report = new OrphanReport(false, fix, now, kinds);
        db.AuditEvents.Add(new AuditEvent
        {
            Action = AuditAction,
            Summary = $"Orphan scan{(fix ? " and fix" : "")}: {report.Total} found.",
            DataJson = JsonSerializer.Serialize(report, JsonSerializerOptions.Web),
            CreatedAt = now,
        });
        await db.SaveChangesAsync(cancellationToken);
        LogDone(logger, report.Total, fix);
        return report;
    }

    private async Task<OrphanKind> ClipsOfPurgedGuildsAsync(bool fix, CancellationToken cancellationToken)
    {
        var orphans = db.Clips.Where(c => db.Guilds.Any(g => g.Id == c.GuildId && g.PurgedAt != null));
        var count = await orphans.LongCountAsync(cancellationToken);
        var examples = await orphans.OrderBy(c => c.Id).Take(Examples).Select(c => "clip " + c.Id).ToListAsync(cancellationToken);
        if (fix && count > 0)
        {
            foreach (var guildId in await orphans.Select(c => c.GuildId).Distinct().ToListAsync(cancellationToken))
            {
                await archive.DeleteAsync(guildId, db.Clips, BatchSize, cancellationToken);
                await archive.EmptyChannelsAsync(guildId, null, cancellationToken);
            }
        }

        return new OrphanKind("clips_of_purged_guilds", "Clips of a server that was purged.", count, examples);
    }

    /// <summary>Files no clip refers to, last written before <paramref name="writtenBefore"/> (younger ones may be a scan's, not yet attached).</summary>
    private async Task<OrphanKind> FilesWithoutClipAsync(bool fix, DateTimeOffset writtenBefore, CancellationToken cancellationToken)
    {
        long count = 0;
        var examples = new List<string>();
        var batch = new List<StoredObject>(1000);
        async Task CheckAsync()
        {
            // A thumbnail belongs to its clip's file (docs/decisions/020-thumbnails.md): it is an orphan when that clip is.
            var keys = batch.Select(b => OwnerKey(b.Key)).Distinct().ToList();
            var known = (await db.Clips.Where(c => c.StorageKey != null && keys.Contains(c.StorageKey)).Select(c => c.StorageKey!).ToListAsync(cancellationToken)).ToHashSet(StringComparer.Ordinal);
            foreach (var file in batch.Where(f => !known.Contains(OwnerKey(f.Key))))
            {
                count++;
                if (examples.Count < Examples)
                {
                    examples.Add(file.Key);
                }

                if (fix)
                {
                    await DeleteIfStillOrphanAsync(file.Key, writtenBefore, cancellationToken);
                }
            }

            batch.Clear();
        }

        await foreach (var file in storage.ListAsync("", cancellationToken))
        {
            // Export parts are no clip's file: the retention job deletes them when their time is up.
            if (file.LastModified >= writtenBefore || file.Key.StartsWith(Exports.ExportKeys.Prefix, StringComparison.Ordinal))
            {
                continue;
            }

            batch.Add(file);
            if (batch.Count == 1000)
            {
                await CheckAsync();
            }
        }

        await CheckAsync();
        return new OrphanKind("files_without_clip", $"Files in clip storage that no clip refers to, written over {options.CurrentValue.FileGrace.TotalHours:0.#} hours ago.", count, examples);
    }

    /// <summary>
    /// Looks again just before deleting: the listing may be minutes old, and a scan that re-downloads a pending clip
    /// rewrites its file (a fresh modification time) and attaches it.
    /// </summary>
    private async Task DeleteIfStillOrphanAsync(string key, DateTimeOffset writtenBefore, CancellationToken cancellationToken)
    {
        var info = await storage.GetInfoAsync(key, cancellationToken);
        var owner = OwnerKey(key);
        if (info is null || info.LastModified >= writtenBefore || await db.Clips.AnyAsync(c => c.StorageKey == owner, cancellationToken))
        {
            return;
        }

        await storage.DeleteAsync(key, cancellationToken);
    }

    /// <summary>The clip file a stored file belongs to: itself, or for a thumbnail its clip's file.</summary>
    private static string OwnerKey(string key) => ClipStorageKeys.ClipOfThumbnail(key) ?? key;

    private async Task<OrphanKind> ClipsWithBadFileAsync(bool fix, bool verifyChecksums, CancellationToken cancellationToken)
    {
        long count = 0;
        var examples = new List<string>();
        long lastId = 0;
        while (true)
        {
            var page = await db.Clips.AsNoTracking().Where(c => c.StorageKey != null && c.Id > lastId).OrderBy(c => c.Id).Take(500)
                .Select(c => new { c.Id, c.ChannelId, StorageKey = c.StorageKey!, c.SizeBytes, c.Sha256 }).ToListAsync(cancellationToken);
            if (page.Count == 0)
            {
                break;
            }

            lastId = page[^1].Id;
            foreach (var clip in page)
            {
                var info = await storage.GetInfoAsync(clip.StorageKey, cancellationToken);
                var bad = info is null || info.SizeBytes != clip.SizeBytes
                    || (verifyChecksums && clip.Sha256 is not null && !string.Equals(await Sha256Async(clip.StorageKey, cancellationToken), clip.Sha256, StringComparison.Ordinal));
                if (!bad)
                {
                    continue;
                }

                count++;
                if (examples.Count < Examples)
                {
                    examples.Add($"clip {clip.Id}: {(info is null ? "file missing" : "file differs")}");
                }

                if (fix)
                {
                    // The row goes back to "file pending": the channel's next scan downloads it again.
                    if (await archive.DetachFileAsync(clip.Id, cancellationToken))
                    {
                        if (info is not null)
                        {
                            await storage.DeleteAsync(clip.StorageKey, cancellationToken);
                        }

                        await storage.DeleteAsync(ClipStorageKeys.ThumbnailOf(clip.StorageKey), cancellationToken);
                    }
                }
            }
        }

        return new OrphanKind("clips_with_bad_file", verifyChecksums ? "Clips whose file is missing, or differs in size or checksum." : "Clips whose file is missing or differs in size.", count, examples);
    }

    private async Task<OrphanKind> StuckScansAsync(bool fix, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var cutoff = now - (StuckAfter > scanOptions.CurrentValue.StaleAfter ? StuckAfter : scanOptions.CurrentValue.StaleAfter);
        var stuck = await db.ScanRuns.AsNoTracking().Where(r => r.Status == ScanStatus.Running && (r.HeartbeatAt == null || r.HeartbeatAt < cutoff))
            .Select(r => r.Id).ToListAsync(cancellationToken);
        if (fix)
        {
            foreach (var id in stuck)
            {
                // The scan job takes over a running run whose heartbeat is stale, and resumes from the cursor.
                jobs.Enqueue<ScanJob>(j => j.RunAsync(id, CancellationToken.None));
            }
        }

        return new OrphanKind("stuck_scans", $"Scans running without a sign of life for over {StuckAfter.TotalMinutes:0} minutes.", stuck.Count, [.. stuck.Take(Examples).Select(id => $"scan run {id}")]);
    }

    private async Task<OrphanKind> StuckPurgesAsync(bool fix, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var cutoff = now - StuckAfter;
        var stuck = await db.PurgeRuns.AsNoTracking()
            .Where(r => (r.Status == PurgeStatus.Running && (r.HeartbeatAt == null || r.HeartbeatAt < cutoff))
                || (r.Status == PurgeStatus.Scheduled && r.NotBefore < cutoff))
            .Select(r => new { r.Id, r.GuildId, r.Scope, r.ChannelId }).ToListAsync(cancellationToken);
        if (fix)
        {
            foreach (var r in stuck)
            {
                jobs.Enqueue<PurgeJob>(j => j.RunAsync(r.Id, CancellationToken.None));
            }
        }

        return new OrphanKind("stuck_purges", "Purges running without a sign of life, or scheduled but never started.", stuck.Count, [.. stuck.Take(Examples).Select(r => $"purge run {r.Id}")]);
    }

    private async Task<string?> Sha256Async(string key, CancellationToken cancellationToken)
    {
        await using var stream = await storage.OpenReadAsync(key, cancellationToken);
        return stream is null ? null : Convert.ToHexStringLower(await System.Security.Cryptography.SHA256.HashDataAsync(stream, cancellationToken));
    }

    [LoggerMessage(LogLevel.Information, "Orphan scan: another run is active; this one skips.")]
    private static partial void LogSkipped(ILogger logger);

    [LoggerMessage(LogLevel.Information, "Orphan scan: {Total} orphans found (fix: {Fix}).")]
    private static partial void LogDone(ILogger logger, long total, bool fix);
}

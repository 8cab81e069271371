using System.Buffers;

namespace ClipSaver.Core.Maintenance;

/// <summary>Section <c>ClipSaver:ChecksumBackfill</c>.</summary>
public sealed class ChecksumBackfillOptions
{
    public const string Section = "ClipSaver:ChecksumBackfill";

    /// <summary>The most clips one run looks at; the next run carries on after the last one.</summary>
    [Range(1, 1_000_000)]
    public int MaxClips { get; set; } = 2000;

    /// <summary>How long one run keeps reading files before it leaves the rest to the next run.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan RunFor { get; set; } = TimeSpan.FromSeconds(60);
}

/// <summary>What one run of <see cref="ChecksumBackfillJob"/> did.</summary>
/// <param name="Skipped">Another run was active: this one did nothing.</param>
/// <param name="Recorded">Clips whose CRC-32 (and, when the row had none, SHA-256) this run recorded.</param>
/// <param name="Mismatched">Files that are not what their row says (another SHA-256 or size): nothing recorded.</param>
/// <param name="Gone">Files missing from storage: nothing recorded.</param>
/// <param name="Superseded">
/// Rows that changed between the read and the write (purged, detached, stored again, or recorded by another run): the
/// conditional update found nothing to write.
/// </param>
/// <param name="Errors">Files that could not be read; they are tried again by a later run.</param>
/// <param name="Unfinished">The run stopped at its bound; the next run carries on after the last clip it looked at.</param>
public sealed record ChecksumBackfillReport(bool Skipped, int Recorded, int Mismatched, int Gone, int Superseded, int Errors, bool Unfinished)
{
    public static readonly ChecksumBackfillReport None = new(true, 0, 0, 0, 0, 0, false);

    /// <summary>The clips live in an object store, whose exports never use a recorded CRC-32: nothing was read.</summary>
    public bool NotNeeded { get; init; }
}

/// <summary>
/// Where the backfill on this instance left off: the id of the last clip a run looked at, or 0 to start from the
/// beginning. Without it every run would start again at the lowest id, and a few thousand files that never get a CRC
/// (damaged, gone, unreadable) would fill every run's bound and stop the backfill behind them for good. Kept in memory
/// only: a restart begins a new pass, which costs one look at each file still waiting, nothing more.
/// </summary>
public sealed class ChecksumBackfillCursor
{
    private long _after;

    public long After
    {
        get => Interlocked.Read(ref _after);
        set => Interlocked.Exchange(ref _after, value);
    }
}

/// <summary>
/// Records the CRC-32 of clips stored before the archive kept one (decision 031 added <c>clips.crc32</c>; older rows
/// have none), so that exports copy their files into a ZIP with the kernel instead of reading them through the process
/// (docs/decisions/033-checksum-backfill.md). A recurring job: each run reads the clips that have a stored file and no
/// CRC-32 in id order, a batch at a time, streams each file once computing its CRC-32 and SHA-256, and records them
/// when the file is the one its row describes (the same SHA-256, when the row has one, and the same size). A damaged
/// file gets nothing: the export's slow path computes the CRC from the bytes as they are. Each run stops after
/// <see cref="ChecksumBackfillOptions.MaxClips"/> clips or <see cref="ChecksumBackfillOptions.RunFor"/>; the next
/// carries on (<see cref="ChecksumBackfillCursor"/>).
/// <para>
/// Safe to run twice at once and to crash anywhere: each clip is recorded by one UPDATE of its own row, on condition
/// that the row still has the key, size and SHA-256 the file was checked against and still has no CRC-32. A purge, a
/// re-download or another run in between makes it update nothing; a crash leaves every clip either recorded whole or
/// not at all, and the next run looks again at whatever has no CRC yet. Only a column of an existing row is written,
/// and no file: there is nothing a purge could miss, so it needs no purge fence. An advisory lock keeps a second run
/// from reading the same files meanwhile, which would be harmless but wasted.
/// </para>
/// </summary>
public sealed partial class ChecksumBackfillJob(
    ClipSaverDbContext db,
    ClipSaverConnection connection,
    IClipStorage storage,
    IOptions<StorageOptions> storageOptions,
    ChecksumBackfillCursor cursor,
    IOptionsMonitor<ChecksumBackfillOptions> options,
    TimeProvider clock,
    ILogger<ChecksumBackfillJob> logger)
{
    public const string RecurringJobId = "checksum-backfill";

    /// <summary>Rows read at a time: a few hundred files, each read whole before the next.</summary>
    private const int BatchSize = 200;

    private const int BufferSize = 1 << 20;

    private sealed record Pending(long Id, string StorageKey, long SizeBytes, string? Sha256);

    private enum Outcome
    {
        Recorded,
        Mismatched,
        Gone,
        Superseded,
    }

    [Queue(JobQueues.Maintenance)]
    [AutomaticRetry(Attempts = 0)]
    [JobDisplayName("Checksum backfill")]
    public Task<ChecksumBackfillReport> RunAsync(CancellationToken cancellationToken) => storageOptions.Value.IsS3
        // An export from an object store reads every file through the process anyway (decision 030): a CRC-32 would
        // save it nothing, and reading the old files for one would download the whole old archive once.
        ? Task.FromResult(ChecksumBackfillReport.None with { NotNeeded = true })
        : AdvisoryLock.RunAloneAsync(connection.ConnectionString, RecurringJobId, () => BackfillAsync(cancellationToken), () =>
        {
            LogSkipped(logger);
            return ChecksumBackfillReport.None;
        }, cancellationToken);

    private async Task<ChecksumBackfillReport> BackfillAsync(CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var started = clock.GetTimestamp();
        int looked = 0, recorded = 0, mismatched = 0, gone = 0, superseded = 0, errors = 0;
        var after = cursor.After;
        var unfinished = true;
        while (looked < settings.MaxClips && clock.GetElapsedTime(started) < settings.RunFor)
        {
            var take = Math.Min(BatchSize, settings.MaxClips - looked);
            var batch = await db.Clips.AsNoTracking().Where(c => c.StorageKey != null && c.Crc32 == null && c.Id > after).OrderBy(c => c.Id).Take(take)
                .Select(c => new Pending(c.Id, c.StorageKey!, c.SizeBytes, c.Sha256)).ToListAsync(cancellationToken);
            if (batch.Count == 0)
            {
                // The end of the queue: the next run starts a new pass, and looks again at what had no CRC then.
                after = 0;
                unfinished = false;
                break;
            }

            foreach (var clip in batch)
            {
                if (clock.GetElapsedTime(started) >= settings.RunFor)
                {
                    break;
                }

                cancellationToken.ThrowIfCancellationRequested();
                // Moved on before the file is read: a file that fails is not tried again in this run.
                after = clip.Id;
                looked++;
                try
                {
                    switch (await BackfillOneAsync(clip, cancellationToken))
                    {
                        case Outcome.Recorded:
                            recorded++;
                            break;
                        case Outcome.Mismatched:
                            mismatched++;
                            LogMismatched(logger, clip.Id, clip.StorageKey);
                            break;
                        case Outcome.Gone:
                            gone++;
                            break;
                        case Outcome.Superseded:
                            superseded++;
                            break;
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    errors++;
                    LogError(logger, e, clip.Id, clip.StorageKey);
                }
            }
        }

        cursor.After = after;
        if (recorded + mismatched + gone + superseded + errors > 0)
        {
            LogDone(logger, recorded, mismatched, gone, superseded, errors, unfinished);
        }

        return new ChecksumBackfillReport(false, recorded, mismatched, gone, superseded, errors, unfinished);
    }

    /// <summary>Reads one clip's file and records its checksums when it is the file its row describes.</summary>
    private async Task<Outcome> BackfillOneAsync(Pending clip, CancellationToken cancellationToken)
    {
        StoredFile file;
        await using (var stream = await storage.OpenSequentialReadAsync(clip.StorageKey, cancellationToken))
        {
            if (stream is null)
            {
                return Outcome.Gone;
            }

            file = await ChecksumsAsync(clip.StorageKey, stream, cancellationToken);
        }

        // A file that is not the one the row describes keeps no CRC: recording one would let an export copy it
        // unread under a checksum of damaged bytes, and (for a row without a SHA-256) bless them with a SHA-256 too.
        if (file.SizeBytes != clip.SizeBytes || (clip.Sha256 is not null && !string.Equals(file.Sha256, clip.Sha256, StringComparison.Ordinal)))
        {
            return Outcome.Mismatched;
        }

        // The column is a signed int (the database has no unsigned one): the CRC's 32 bits as they are.
        var crc = unchecked((int)file.Crc32);
        var (id, key, size, sha256) = (clip.Id, clip.StorageKey, file.SizeBytes, file.Sha256);
        // Compare and set: the row must still be the one the file was checked against, and still without a CRC.
        var updated = await db.Clips
            .Where(c => c.Id == id && c.StorageKey == key && c.SizeBytes == size && (c.Sha256 == null || c.Sha256 == sha256) && c.Crc32 == null)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.Crc32, crc).SetProperty(c => c.Sha256, sha256), cancellationToken);
        return updated == 1 ? Outcome.Recorded : Outcome.Superseded;
    }

    /// <summary>The file's size, SHA-256 and CRC-32, computed in one pass over it.</summary>
    private static async Task<StoredFile> ChecksumsAsync(string key, Stream stream, CancellationToken cancellationToken)
    {
        using var checksums = new FileChecksums();
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            long size = 0;
            int read;
            while ((read = await stream.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken)) > 0)
            {
                checksums.Append(buffer.AsSpan(0, read));
                size += read;
            }

            return checksums.ToStoredFile(key, size);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    [LoggerMessage(LogLevel.Information, "Checksum backfill: another run is active; this one skips.")]
    private static partial void LogSkipped(ILogger logger);

    [LoggerMessage(LogLevel.Information, "Checksum backfill: {Recorded} recorded, {Mismatched} files not as their row says, {Gone} gone, {Superseded} changed meanwhile, {Errors} to try again (more left: {Unfinished}).")]
    private static partial void LogDone(ILogger logger, int recorded, int mismatched, int gone, int superseded, int errors, bool unfinished);

    [LoggerMessage(LogLevel.Warning, "Checksum backfill: the file of clip {ClipId} ({StorageKey}) differs from its row in SHA-256 or size; no CRC-32 is recorded for it.")]
    private static partial void LogMismatched(ILogger logger, long clipId, string storageKey);

    [LoggerMessage(LogLevel.Warning, "Checksum backfill: the file of clip {ClipId} ({StorageKey}) could not be read; a later run tries again.")]
    private static partial void LogError(ILogger logger, Exception exception, long clipId, string storageKey);
}

using System.IO.Pipelines;

namespace ClipSaver.Core.Exports;

/// <summary>
/// Builds an export: ZIP parts of the clips' files with a manifest, each streamed straight into clip storage through a
/// pipe (the ZIP is written on one side while <see cref="IClipStorage.PutWithoutChecksumAsync"/> reads the other), so neither a whole
/// part nor a temporary copy of it is ever held; what a part must keep until it closes (the ZIP's directory, the
/// manifest) waits in temporary files, not in memory (decision 027). A part is recorded with the last clip it holds once it is stored; a crash
/// loses at most the part being written (storage keeps nothing of an unfinished write), and the retry, or the
/// recovery dispatcher's job, carries on after the last recorded part. The run's lease makes it one job at a time;
/// every two seconds the job checks it and writes its progress.
/// </summary>
public sealed partial class ExportJob(
    ClipSaverDbContext db,
    ClipSaverConnection connection,
    IClipStorage storage,
    IOptionsMonitor<ExportOptions> options,
    TimeProvider clock,
    ILogger<ExportJob> logger)
{
    /// <summary>The clips an export holds: those with a stored file, of the member (and guild), or of the guild (and channel with its threads).</summary>
    public static IQueryable<Clip> ClipsOf(ClipSaverDbContext db, Export export)
    {
        var clips = db.Clips.Where(c => c.StorageKey != null);
        if (!export.IsGuildExport)
        {
            var userId = export.UserId;
            clips = clips.Where(c => c.AuthorId == userId);
        }

        if (export.GuildId is { } guildId)
        {
            clips = clips.Where(c => c.GuildId == guildId);
        }

        if (export.ChannelId is { } channelId)
        {
            clips = clips.Where(c => c.ChannelId == channelId || db.Channels.Any(t => t.Id == c.ChannelId && t.IsThread && t.ParentId == channelId));
        }

        return clips;
    }

    [Queue(JobQueues.Default)]
    [AutomaticRetry(Attempts = 5, DelaysInSeconds = [10, 30, 60, 300, 900], OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    [JobDisplayName("Export {0}")]
    public async Task RunAsync(long exportId, CancellationToken cancellationToken)
    {
        await using var lease = await AdvisoryLock.TryAcquireAsync(connection.ConnectionString, RunLeases.Export(exportId), cancellationToken);
        if (lease is null)
        {
            LogLeaseHeld(logger, exportId);
            return;
        }

        var jobId = CurrentJob.Id;
        var now = clock.GetUtcNow();
        var claimed = await db.Exports.Where(x => x.Id == exportId && x.Status != ExportStatus.Completed)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.Status, ExportStatus.Running)
                .SetProperty(x => x.StartedAt, x => x.StartedAt ?? now)
                .SetProperty(x => x.HeartbeatAt, now)
                .SetProperty(x => x.HangfireJobId, x => jobId ?? x.HangfireJobId)
                .SetProperty(x => x.Error, (string?)null), cancellationToken);
        if (claimed == 0)
        {
            return; // done, or deleted
        }

        var export = await db.Exports.AsNoTracking().FirstAsync(x => x.Id == exportId, cancellationToken);
        var parts = await db.ExportParts.AsNoTracking().Where(p => p.ExportId == exportId).OrderBy(p => p.Number).ToListAsync(cancellationToken);
        // What the recorded parts hold is done; a part that was being written when a crash came starts again.
        await db.Exports.Where(x => x.Id == exportId).ExecuteUpdateAsync(s => s
            .SetProperty(x => x.ClipsDone, parts.Sum(p => p.Clips)).SetProperty(x => x.BytesDone, parts.Sum(p => p.SizeBytes)), cancellationToken);
        var cursor = parts.Count > 0 ? parts[^1].LastClipId : 0;
        var number = parts.Count + 1;
        try
        {
            while (true)
            {
                var more = await ClipsOf(db, export).AnyAsync(c => c.Id > cursor, cancellationToken);
                if (!more && number > 1)
                {
                    break;
                }

                // An export of nothing still gets one part: a ZIP with an empty manifest says so plainly.
                if (await WritePartAsync(export, number, cursor, lease, cancellationToken) is not { } part)
                {
                    LogDeleted(logger, exportId);
                    return;
                }

                (cursor, number) = (part.LastClipId, number + 1);
                if (!more)
                {
                    break;
                }
            }

            var finished = clock.GetUtcNow();
            await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
            var completed = await db.Exports.Where(x => x.Id == exportId && x.Status == ExportStatus.Running).ExecuteUpdateAsync(s => s
                .SetProperty(x => x.Status, ExportStatus.Completed).SetProperty(x => x.FinishedAt, finished)
                .SetProperty(x => x.ExpiresAt, finished + options.CurrentValue.Keep).SetProperty(x => x.ClipsTotal, x => x.ClipsDone), cancellationToken);
            if (completed == 1)
            {
                db.AuditEvents.Add(RequestExport.AuditEventOf(
                    export, "export.completed", "me.export_completed",
                    $"Export #{exportId} ready: {Display.Count(number - 1, "part")}; kept until {Display.Time(finished + options.CurrentValue.Keep)}.", finished));
                await db.SaveChangesAsync(cancellationToken);
            }

            await tx.CommitAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await db.Exports.Where(x => x.Id == exportId).ExecuteUpdateAsync(s => s.SetProperty(x => x.Status, ExportStatus.Failed).SetProperty(x => x.Error, e.Message), CancellationToken.None);
            LogFailed(logger, e, exportId);
            throw;
        }

        // Ready for download from here; the parts go on the disk now, and a failure there builds them again.
        await UnsyncedParts.PutOnDiskAsync(db, storage, exportId, cancellationToken);
    }

    /// <summary>Writes part <paramref name="number"/> with the clips after <paramref name="after"/>; null when the export was deleted meanwhile.</summary>
    private async Task<ExportPart?> WritePartAsync(Export export, int number, long after, AdvisoryLock lease, CancellationToken cancellationToken)
    {
        var key = ExportKeys.Part(export.Id, number);
        var manifest = new ExportManifest();
        var written = new ExportPartWriter(db, storage, options.CurrentValue.PartSizeBytes, clock, export, after);
        long size;
        try
        {
            if (storage is LocalFolderClipStorage local)
            {
                // The local folder: the part is written straight into its file, the clips' files copied in by the
                // kernel, and (where the machine has a boot id) put on the disk once the export is ready (decision 031).
                size = await local.WriteDirectAsync(
                    key,
                    async file =>
                    {
                        written.Direct = file;
                        var writer = PipeWriter.Create(file, new StreamPipeWriterOptions(minimumBufferSize: 64 << 10, leaveOpen: true));
                        await WriteZipAsync(writer, written, manifest, lease, cancellationToken);
                        await writer.CompleteAsync();
                    },
                    durable: BootId.Current is null);
            }
            else
            {
                size = await ThroughPipeAsync(key, writer => WriteZipAsync(writer, written, manifest, lease, cancellationToken), cancellationToken);
            }
        }
        catch (ExportDeletedException)
        {
            return null;
        }
        finally
        {
            await manifest.DisposeAsync();
        }

        NativeHeap.Trim();
        var part = new ExportPart
        {
            ExportId = export.Id,
            Number = number,
            StorageKey = key,
            SizeBytes = size,
            Clips = manifest.Count,
            LastClipId = written.LastClipId,
            CreatedAt = clock.GetUtcNow(),
            UnsyncedBoot = storage is LocalFolderClipStorage ? BootId.Current : null,
        };
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
        var alive = await db.Exports.Where(x => x.Id == export.Id).ExecuteUpdateAsync(s => s
            .SetProperty(x => x.ClipsDone, x => db.ExportParts.Where(p => p.ExportId == export.Id).Sum(p => p.Clips) + part.Clips)
            .SetProperty(x => x.BytesDone, x => db.ExportParts.Where(p => p.ExportId == export.Id).Sum(p => p.SizeBytes) + part.SizeBytes)
            .SetProperty(x => x.HeartbeatAt, clock.GetUtcNow()), cancellationToken);
        if (alive == 0)
        {
            await storage.DeleteAsync(key, CancellationToken.None);
            return null;
        }

        db.ExportParts.Add(part);
        await db.SaveChangesAsync(cancellationToken);
        await tx.CommitAsync(cancellationToken);
        db.ChangeTracker.Clear();
        return part;
    }

    /// <summary>The part's ZIP: its files, the manifest, the central directory.</summary>
    private async Task WriteZipAsync(PipeWriter output, ExportPartWriter written, ExportManifest manifest, AdvisoryLock lease, CancellationToken cancellationToken)
    {
        await using var zip = new ExportZipWriter(output);
        if (!await written.FilesAsync(zip, manifest, lease, cancellationToken))
        {
            throw new ExportDeletedException();
        }

        await manifest.WriteToAsync(zip, clock.GetUtcNow(), cancellationToken);
        await zip.CompleteAsync(cancellationToken);
    }

    /// <summary>
    /// Any other storage: the ZIP is written into a pipe while <see cref="IClipStorage.PutWithoutChecksumAsync"/> reads
    /// the other side, so neither a whole part nor a temporary copy of it is ever held. Returns the part's size.
    /// </summary>
    private async Task<long> ThroughPipeAsync(string key, Func<PipeWriter, Task> write, CancellationToken cancellationToken)
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 4 << 20, resumeWriterThreshold: 2 << 20, minimumSegmentSize: 64 << 10));
        // No checksum of the whole part: its clips' SHA-256s are in its manifest, and hashing the part again cost more
        // than copying it (decision 024).
        var put = Task.Run(async () =>
        {
            try
            {
                var stored = await storage.PutWithoutChecksumAsync(key, pipe.Reader, long.MaxValue, cancellationToken);
                await pipe.Reader.CompleteAsync();
                return stored;
            }
            catch (Exception e)
            {
                // The ZIP side stops at its next flush with the storage's error, instead of waiting for ever for a
                // reader that has gone once the pipe is full.
                await pipe.Reader.CompleteAsync(e);
                throw;
            }
        }, CancellationToken.None);
        try
        {
            await write(pipe.Writer);
            await pipe.Writer.CompleteAsync();
        }
        catch (Exception e)
        {
            await pipe.Writer.CompleteAsync(e);
            try
            {
                await put;
            }
            catch (Exception) when (put.IsFaulted || put.IsCanceled)
            {
                // The storage kept nothing of the unfinished part; the original error is the one to report, unless
                // the ZIP side only saw that the storage had stopped reading.
                if (e is StorageStoppedException)
                {
                    throw;
                }
            }

            throw;
        }

        return await put;
    }

    private sealed class ExportDeletedException : Exception
    {
        public ExportDeletedException()
            : base("The export was deleted while it was being built.")
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Export {ExportId}: another job holds its lease; this copy leaves")]
    private static partial void LogLeaseHeld(ILogger logger, long exportId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Export {ExportId} was deleted while it was built; the job stops")]
    private static partial void LogDeleted(ILogger logger, long exportId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Export {ExportId} failed; Hangfire will retry it")]
    private static partial void LogFailed(ILogger logger, Exception exception, long exportId);
}

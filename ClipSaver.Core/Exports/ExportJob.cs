using System.Buffers;
using System.Globalization;
using System.IO.Compression;
using System.IO.Pipelines;
using System.Security.Cryptography;
using System.Text;
using ClipSaver.Core.Jobs;
using ClipSaver.Core.Storage;
using Hangfire;

namespace ClipSaver.Core.Exports;

/// <summary>One line of a part's manifest (manifest.json and manifest.csv inside the ZIP).</summary>
public sealed record ExportManifestRow(string Guild, string Channel, string MessageLink, DateTimeOffset PostedAt, string FileName, long SizeBytes, string Sha256, string Path);

/// <summary>
/// Builds an export: ZIP parts of the clips' files with a manifest, each streamed straight into clip storage through a
/// pipe (the ZIP is written on one side while <see cref="IClipStorage.PutAsync"/> reads the other), so neither a whole
/// part nor a temporary copy is ever held. A part is recorded with the last clip it holds once it is stored; a crash
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
    private const int Batch = 200;

    /// <summary>How often a running export shows its progress and checks its lease (and that it was not deleted).</summary>
    private static readonly TimeSpan HeartbeatEvery = TimeSpan.FromSeconds(2);

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
                db.AuditEvents.Add(new AuditEvent
                {
                    GuildId = export.IsGuildExport ? export.GuildId : null,
                    ActorUserId = export.UserId,
                    Action = export.IsGuildExport ? "export.completed" : "me.export_completed",
                    Summary = $"Export #{exportId} ready: {number - 1} part(s); kept until {finished + options.CurrentValue.Keep:u}.",
                    CreatedAt = finished,
                });
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
    }

    /// <summary>Writes part <paramref name="number"/> with the clips after <paramref name="after"/>; null when the export was deleted meanwhile.</summary>
    private async Task<ExportPart?> WritePartAsync(Export export, int number, long after, AdvisoryLock lease, CancellationToken cancellationToken)
    {
        var key = ExportKeys.Part(export.Id, number);
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 4 << 20, resumeWriterThreshold: 2 << 20, minimumSegmentSize: 64 << 10));
        var put = Task.Run(() => storage.PutAsync(key, pipe.Reader.AsStream(), long.MaxValue, cancellationToken), cancellationToken);
        var written = new PartWriter(db, storage, options.CurrentValue.PartSizeBytes, clock, export, after);
        try
        {
            await using (var zip = new ZipArchive(pipe.Writer.AsStream(leaveOpen: true), ZipArchiveMode.Create, leaveOpen: false))
            {
                if (!await written.FilesAsync(zip, lease, cancellationToken))
                {
                    throw new ExportDeletedException();
                }

                await WriteManifestAsync(zip, written.Rows, cancellationToken);
            }

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
                // The storage kept nothing of the unfinished part; the original error is the one to report.
            }

            if (e is ExportDeletedException)
            {
                return null;
            }

            throw;
        }

        var stored = await put;
        var part = new ExportPart
        {
            ExportId = export.Id,
            Number = number,
            StorageKey = key,
            SizeBytes = stored.SizeBytes,
            Clips = written.Rows.Count,
            LastClipId = written.LastClipId,
            CreatedAt = clock.GetUtcNow(),
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

    private static async Task WriteManifestAsync(ZipArchive zip, List<ExportManifestRow> rows, CancellationToken cancellationToken)
    {
        await using (var json = await zip.CreateEntry("manifest.json", CompressionLevel.Optimal).OpenAsync(cancellationToken))
        {
            await JsonSerializer.SerializeAsync(json, new { clips = rows }, ManifestJson, cancellationToken);
        }

        await using var csv = new StreamWriter(await zip.CreateEntry("manifest.csv", CompressionLevel.Optimal).OpenAsync(cancellationToken), new UTF8Encoding(false));
        await csv.WriteLineAsync("guild,channel,message_link,posted_at,file_name,size_bytes,sha256,path");
        foreach (var r in rows)
        {
            await csv.WriteLineAsync(string.Join(',', Csv(r.Guild), Csv(r.Channel), r.MessageLink, r.PostedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
                Csv(r.FileName), r.SizeBytes.ToString(CultureInfo.InvariantCulture), r.Sha256, Csv(r.Path)));
        }
    }

    private static readonly JsonSerializerOptions ManifestJson = new(JsonSerializerOptions.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    /// <summary>A CSV field, quoted when needed; a leading formula character is neutralised for spreadsheets.</summary>
    private static string Csv(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@')
        {
            value = "'" + value;
        }

        return value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;
    }

    /// <summary>A name usable as a folder or file name inside the ZIP on every system.</summary>
    private static string Safe(string name)
    {
        var chars = name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' or ' ' ? c : '_').ToArray();
        var safe = new string(chars).Trim().Trim('.');
        return safe.Length == 0 ? "_" : safe[..Math.Min(safe.Length, 80)];
    }

    /// <summary>The files of one part, read clip by clip in id order and copied into the ZIP with their SHA-256.</summary>
    private sealed class PartWriter(ClipSaverDbContext db, IClipStorage storage, long limit, TimeProvider clock, Export export, long after)
    {
        private readonly Dictionary<long, string> _guilds = [];
        private readonly Dictionary<long, string> _channels = [];

        public List<ExportManifestRow> Rows { get; } = [];
        public long LastClipId { get; private set; } = after;

        /// <summary>False when the export was deleted while the part was written.</summary>
        public async Task<bool> FilesAsync(ZipArchive zip, AdvisoryLock lease, CancellationToken cancellationToken)
        {
            long bytes = 0;
            var beat = System.Diagnostics.Stopwatch.StartNew();
            var buffer = ArrayPool<byte>.Shared.Rent(256 * 1024);
            try
            {
                while (true)
                {
                    var cursor = LastClipId;
                    var batch = await ClipsOf(db, export).AsNoTracking().Where(c => c.Id > cursor).OrderBy(c => c.Id).Take(Batch)
                        .Select(c => new { c.Id, c.GuildId, c.ChannelId, c.MessageId, c.PostedAt, c.FileName, c.StorageKey, c.SizeBytes, c.Sha256 }).ToListAsync(cancellationToken);
                    if (batch.Count == 0)
                    {
                        return true;
                    }

                    await NamesAsync([.. batch.Select(c => c.GuildId)], [.. batch.Select(c => c.ChannelId)], cancellationToken);
                    foreach (var c in batch)
                    {
                        // The size the clip's row records decides the split, before its file is opened.
                        if (Rows.Count > 0 && bytes + c.SizeBytes > limit)
                        {
                            return true;
                        }

                        var source = await storage.OpenReadAsync(c.StorageKey!, cancellationToken);
                        if (source is null)
                        {
                            // Gone since it was listed (deleted meanwhile): not part of the export.
                            LastClipId = c.Id;
                            continue;
                        }

                        await using (source)
                        {
                            var path = $"{Safe(_guilds[c.GuildId])} ({c.GuildId})/{Safe(_channels.GetValueOrDefault(c.ChannelId) ?? "channel")} ({c.ChannelId})/"
                                + $"{c.PostedAt.UtcDateTime:yyyy-MM-dd}_{c.Id}_{Safe(c.FileName)}";
                            var entry = zip.CreateEntry(path, CompressionLevel.NoCompression);
                            entry.LastWriteTime = c.PostedAt;
                            // The manifest gives the SHA-256 the archive recorded when it stored the file (computed
                            // here only for a file stored without one): a reader who checks it checks the archive too.
                            using var hash = c.Sha256 is null ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
                            long size = 0;
                            await using (var target = await entry.OpenAsync(cancellationToken))
                            {
                                int read;
                                while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
                                {
                                    hash?.AppendData(buffer, 0, read);
                                    await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                                    size += read;
                                }
                            }

                            bytes += size;
                            LastClipId = c.Id;
                            Rows.Add(new ExportManifestRow(_guilds[c.GuildId], _channels.GetValueOrDefault(c.ChannelId) ?? "", $"https://discord.com/channels/{c.GuildId}/{c.ChannelId}/{c.MessageId}",
                                c.PostedAt, c.FileName, size, hash is null ? c.Sha256! : Convert.ToHexStringLower(hash.GetHashAndReset()), path));
                        }

                        if (beat.Elapsed >= HeartbeatEvery)
                        {
                            beat.Restart();
                            if (!await HeartbeatAsync(lease, bytes, cancellationToken))
                            {
                                return false;
                            }
                        }
                    }
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        /// <summary>The part's progress on the export's row; false when the row is gone (deleted).</summary>
        private async Task<bool> HeartbeatAsync(AdvisoryLock lease, long bytes, CancellationToken cancellationToken)
        {
            await lease.EnsureHeldAsync(cancellationToken);
            var id = export.Id;
            var done = Rows.Count;
            return await db.Exports.Where(x => x.Id == id).ExecuteUpdateAsync(s => s
                .SetProperty(x => x.ClipsDone, x => db.ExportParts.Where(p => p.ExportId == id).Sum(p => p.Clips) + done)
                .SetProperty(x => x.BytesDone, x => db.ExportParts.Where(p => p.ExportId == id).Sum(p => p.SizeBytes) + bytes)
                .SetProperty(x => x.HeartbeatAt, clock.GetUtcNow()), cancellationToken) == 1;
        }

        private async Task NamesAsync(long[] guildIds, long[] channelIds, CancellationToken cancellationToken)
        {
            var newGuilds = guildIds.Where(id => !_guilds.ContainsKey(id)).Distinct().ToList();
            foreach (var g in await db.Guilds.AsNoTracking().Where(g => newGuilds.Contains(g.Id)).Select(g => new { g.Id, g.Name }).ToListAsync(cancellationToken))
            {
                _guilds[g.Id] = g.Name;
            }

            foreach (var id in newGuilds.Where(id => !_guilds.ContainsKey(id)))
            {
                _guilds[id] = "server";
            }

            var newChannels = channelIds.Where(id => !_channels.ContainsKey(id)).Distinct().ToList();
            foreach (var c in await db.Channels.AsNoTracking().Where(c => newChannels.Contains(c.Id)).Select(c => new { c.Id, c.Name }).ToListAsync(cancellationToken))
            {
                _channels[c.Id] = c.Name;
            }
        }
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

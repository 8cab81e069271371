using Microsoft.EntityFrameworkCore.Infrastructure;

namespace ClipSaver.Core.Exports;

/// <summary>The files of one part, read clip by clip in id order and copied into the ZIP with their SHA-256.</summary>
internal sealed class ExportPartWriter(ClipSaverDbContext db, IClipStorage storage, long limit, TimeProvider clock, Export export, long after)
{
    /// <summary>Clips read per query: one round trip for many files (each costs about as much as copying 100 files).</summary>
    private const int Batch = 1000;

    /// <summary>Files opened ahead of the one being copied (each holds a file handle or an object store's response).</summary>
    private const int OpenAhead = 4;

    /// <summary>How often a running export shows its progress and checks its lease (and that it was not deleted).</summary>
    private static readonly TimeSpan HeartbeatEvery = TimeSpan.FromSeconds(2);

    private readonly Dictionary<long, string> _guilds = [];
    private readonly Dictionary<long, string?> _channels = []; // null: looked up, gone
    private readonly Dictionary<long, string> _folders = []; // by channel

    public long LastClipId { get; private set; } = after;

    /// <summary>The part's file when it is written straight into the local folder: clips' files go in by the kernel's copy.</summary>
    public LocalFileStream? Direct { get; set; }

    /// <summary>False when the export was deleted while the part was written.</summary>
    public async Task<bool> FilesAsync(ExportZipWriter zip, ExportManifest manifest, AdvisoryLock lease, CancellationToken cancellationToken)
    {
        long bytes = 0;
        var beat = System.Diagnostics.Stopwatch.StartNew();
        // The clips' rows come on a connection of their own, each batch read while the one before is copied: reading
        // them took about a fifth of the export's time, one batch after the other (decision 031).
        await using var rows = new ClipSaverDbContext((DbContextOptions<ClipSaverDbContext>)db.GetService<IDbContextOptions>());
        // The local folder's files are opened on a thread of their own, ahead of the kernel's copy (decision 031).
        await using var ahead = Direct is not null && storage is LocalFolderClipStorage local ? new FilesOpenedAhead(local) : null;
        Task<List<Row>>? next = null;
        try
        {
            while (true)
            {
                var batch = await (next ?? BatchAsync(rows, LastClipId, ahead, cancellationToken));
                next = batch.Count == Batch ? BatchAsync(rows, batch[^1].Id, ahead, cancellationToken) : null;
                if (batch.Count == 0)
                {
                    return true;
                }

                await NamesAsync([.. batch.Select(c => c.GuildId)], [.. batch.Select(c => c.ChannelId)], cancellationToken);
                var opening = new Dictionary<int, Task<Stream?>>();
                try
                {
                    for (var i = 0; i < batch.Count; i++)
                    {
                        var c = batch[i];
                        // The size the clip's row records decides the split, before its file is opened.
                        if (manifest.Count > 0 && bytes + c.SizeBytes > limit)
                        {
                            return true;
                        }

                        var path = $"{FolderOf(c.GuildId, c.ChannelId)}{c.PostedAt.UtcDateTime:yyyy-MM-dd}_{c.Id}_{Safe(c.FileName)}";
                        var copied = await ByKernelAsync(zip, c, ahead, path, cancellationToken) ?? await ByReadingAsync(zip, batch, i, bytes, opening, path, cancellationToken);
                        LastClipId = c.Id;
                        if (copied is not null)
                        {
                            bytes += copied.Size;
                            manifest.Add(new ExportManifestRow(_guilds[c.GuildId], _channels.GetValueOrDefault(c.ChannelId) ?? "", $"https://discord.com/channels/{c.GuildId}/{c.ChannelId}/{c.MessageId}",
                                c.PostedAt, c.FileName, copied.Size, copied.Sha256, path));
                        }

                        if (beat.Elapsed >= HeartbeatEvery)
                        {
                            beat.Restart();
                            // What the runtime's compiler and the object store's client freed goes back to the system
                            // as the export runs, rather than piling up in the C library's arenas (decision 029).
                            NativeHeap.Trim();
                            if (!await HeartbeatAsync(lease, manifest.Count, bytes, cancellationToken))
                            {
                                return false;
                            }
                        }
                    }
                }
                finally
                {
                    // Files opened ahead for the next part (or left by a failure) are closed unread.
                    foreach (var open in opening.Values)
                    {
                        await ((Task)open).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                        if (open.IsCompletedSuccessfully && open.Result is { } unread)
                        {
                            await unread.DisposeAsync();
                        }
                    }
                }
            }
        }
        finally
        {
            if (next is not null)
            {
                // A batch read for a part that ended before it is not needed; its query must end before its context.
                await ((Task)next).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    /// <summary>The next <see cref="Batch"/> clips after <paramref name="after"/>, in id order.</summary>
    /// <remarks>
    /// Its files are queued for <paramref name="ahead"/> as soon as it is read, behind the batch being copied, so that
    /// the opening never waits for the copy to reach a new batch.
    /// </remarks>
    private async Task<List<Row>> BatchAsync(ClipSaverDbContext rows, long after, FilesOpenedAhead? ahead, CancellationToken cancellationToken)
    {
        var batch = await ExportJob.ClipsOf(rows, export).AsNoTracking().Where(c => c.Id > after).OrderBy(c => c.Id).Take(Batch)
            .Select(c => new Row(c.Id, c.GuildId, c.ChannelId, c.MessageId, c.PostedAt, c.FileName, c.StorageKey!, c.SizeBytes, c.Sha256, c.Crc32))
            .ToListAsync(cancellationToken);
        ahead?.Add([.. batch.Select(c => c.Crc32 is not null && c.Sha256 is not null ? (c.StorageKey, c.SizeBytes) : ((string, long)?)null)]);
        return batch;
    }

    /// <summary>
    /// A file of the local folder whose CRC-32 and SHA-256 the archive recorded when it stored it goes into the part by
    /// the kernel's copy, never read by the process (decision 031); <paramref name="ahead"/> opened it and checked its
    /// size. Null when this way does not apply (another storage, a file stored before its CRC-32 was recorded, a file
    /// whose size is not its row's, a file that is gone: the reading way takes it, and finds a gone file gone too).
    /// </summary>
    private async Task<Copied?> ByKernelAsync(ExportZipWriter zip, Row c, FilesOpenedAhead? ahead, string path, CancellationToken cancellationToken)
    {
        if (ahead is null)
        {
            return null;
        }

        // Taken for every row, in order, whichever way it goes.
        var file = await ahead.NextAsync(cancellationToken);
        if (file is null || Direct is not { } direct || c.Crc32 is not { } crc || c.Sha256 is not { } sha256)
        {
            file?.Dispose();
            return null;
        }

        try
        {
            var size = await zip.AddCopiedAsync(path, c.PostedAt, c.SizeBytes, unchecked((uint)crc), () => direct.Append(file, c.SizeBytes), cancellationToken);
            return new Copied(size, sha256);
        }
        finally
        {
            ahead.Done(file);
        }
    }

    /// <summary>
    /// The file read through the storage, with its CRC-32 (and its SHA-256 when the row has none) computed on the way;
    /// null when it is gone.
    /// </summary>
    private async Task<Copied?> ByReadingAsync(ExportZipWriter zip, List<Row> batch, int i, long bytes, Dictionary<int, Task<Stream?>> opening, string path, CancellationToken cancellationToken)
    {
        // This file and the next few that the part will hold are opened now, so that an object store's round trips
        // overlap the copying instead of adding up (not for the local folder, whose files the kernel copies).
        var planned = bytes;
        var ahead = Direct is null ? OpenAhead : 0;
        for (var j = i; j < batch.Count && j <= i + ahead && (j == i || planned + batch[j].SizeBytes <= limit); j++)
        {
            planned += batch[j].SizeBytes;
            if (!opening.ContainsKey(j))
            {
                opening[j] = OpenAsync(batch[j].StorageKey, cancellationToken);
            }
        }

        opening.Remove(i, out var open);
        var source = await open!;
        if (source is null)
        {
            return null; // deleted since it was listed: not part of the export
        }

        await using (source)
        {
            var c = batch[i];
            // The manifest gives the SHA-256 the archive recorded when it stored the file (computed here only for a
            // file stored without one): a reader who checks it checks the archive too.
            using var hash = c.Sha256 is null ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
            var size = await zip.AddStoredAsync(path, c.PostedAt, source, c.SizeBytes, hash, cancellationToken);
            return new Copied(size, hash is null ? c.Sha256! : Convert.ToHexStringLower(hash.GetHashAndReset()));
        }
    }

    /// <summary>Opens a clip's file; a failure shows when the copy reaches that file, not before.</summary>
    private async Task<Stream?> OpenAsync(string key, CancellationToken cancellationToken) => await storage.OpenSequentialReadAsync(key, cancellationToken);

    /// <summary>The part's progress on the export's row; false when the row is gone (deleted).</summary>
    private async Task<bool> HeartbeatAsync(AdvisoryLock lease, int done, long bytes, CancellationToken cancellationToken)
    {
        await lease.EnsureHeldAsync(cancellationToken);
        var id = export.Id;
        return await db.Exports.Where(x => x.Id == id).ExecuteUpdateAsync(s => s
            .SetProperty(x => x.ClipsDone, x => db.ExportParts.Where(p => p.ExportId == id).Sum(p => p.Clips) + done)
            .SetProperty(x => x.BytesDone, x => db.ExportParts.Where(p => p.ExportId == id).Sum(p => p.SizeBytes) + bytes)
            .SetProperty(x => x.HeartbeatAt, clock.GetUtcNow()), cancellationToken) == 1;
    }

    private async Task NamesAsync(long[] guildIds, long[] channelIds, CancellationToken cancellationToken)
    {
        // Only names not seen yet: most batches need no query at all.
        var newGuilds = guildIds.Where(id => !_guilds.ContainsKey(id)).Distinct().ToList();
        var newChannels = channelIds.Where(id => !_channels.ContainsKey(id)).Distinct().ToList();
        if (newGuilds.Count == 0 && newChannels.Count == 0)
        {
            return;
        }

        foreach (var g in await db.Guilds.AsNoTracking().Where(g => newGuilds.Contains(g.Id)).Select(g => new { g.Id, g.Name }).ToListAsync(cancellationToken))
        {
            _guilds[g.Id] = g.Name;
        }

        foreach (var id in newGuilds.Where(id => !_guilds.ContainsKey(id)))
        {
            _guilds[id] = "server";
        }

        foreach (var id in newChannels)
        {
            _channels.TryAdd(id, null);
        }

        foreach (var c in await db.Channels.AsNoTracking().Where(c => newChannels.Contains(c.Id)).Select(c => new { c.Id, c.Name }).ToListAsync(cancellationToken))
        {
            _channels[c.Id] = c.Name;
        }
    }

    /// <summary>The ZIP folder of a channel's files: "guild (id)/channel (id)/".</summary>
    private string FolderOf(long guildId, long channelId)
    {
        if (!_folders.TryGetValue(channelId, out var folder))
        {
            folder = $"{Safe(_guilds[guildId])} ({guildId})/{Safe(_channels.GetValueOrDefault(channelId) ?? "channel")} ({channelId})/";
            _folders[channelId] = folder;
        }

        return folder;
    }

    /// <summary>A name usable as a folder or file name inside the ZIP on every system.</summary>
    private static string Safe(string name)
    {
        var chars = name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' or ' ' ? c : '_').ToArray();
        var safe = new string(chars).Trim().Trim('.');
        return safe.Length == 0 ? "_" : safe[..Math.Min(safe.Length, 80)];
    }

    private sealed record Row(long Id, long GuildId, long ChannelId, long MessageId, DateTimeOffset PostedAt, string FileName, string StorageKey, long SizeBytes, string? Sha256, int? Crc32);

    private sealed record Copied(long Size, string Sha256);
}

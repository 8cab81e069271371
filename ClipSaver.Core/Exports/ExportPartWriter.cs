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

    public long LastClipId { get; private set; } = after;

    /// <summary>False when the export was deleted while the part was written.</summary>
    public async Task<bool> FilesAsync(ExportZipWriter zip, ExportManifest manifest, AdvisoryLock lease, CancellationToken cancellationToken)
    {
        long bytes = 0;
        var beat = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var cursor = LastClipId;
            var batch = await ExportJob.ClipsOf(db, export).AsNoTracking().Where(c => c.Id > cursor).OrderBy(c => c.Id).Take(Batch)
                .Select(c => new { c.Id, c.GuildId, c.ChannelId, c.MessageId, c.PostedAt, c.FileName, c.StorageKey, c.SizeBytes, c.Sha256 }).ToListAsync(cancellationToken);
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

                    // This file and the next few that the part will hold are opened now, so that an object
                    // store's round trips overlap the copying instead of adding up.
                    var planned = bytes;
                    for (var j = i; j < batch.Count && j <= i + OpenAhead && (j == i || planned + batch[j].SizeBytes <= limit); j++)
                    {
                        planned += batch[j].SizeBytes;
                        if (!opening.ContainsKey(j))
                        {
                            opening[j] = OpenAsync(batch[j].StorageKey!, cancellationToken);
                        }
                    }

                    opening.Remove(i, out var open);
                    var source = await open!;
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
                        // The manifest gives the SHA-256 the archive recorded when it stored the file (computed
                        // here only for a file stored without one): a reader who checks it checks the archive too.
                        using var hash = c.Sha256 is null ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
                        var size = await zip.AddStoredAsync(path, c.PostedAt, source, c.SizeBytes, hash, cancellationToken);
                        bytes += size;
                        LastClipId = c.Id;
                        await manifest.AddAsync(new ExportManifestRow(_guilds[c.GuildId], _channels.GetValueOrDefault(c.ChannelId) ?? "", $"https://discord.com/channels/{c.GuildId}/{c.ChannelId}/{c.MessageId}",
                            c.PostedAt, c.FileName, size, hash is null ? c.Sha256! : Convert.ToHexStringLower(hash.GetHashAndReset()), path), cancellationToken);
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

    /// <summary>A name usable as a folder or file name inside the ZIP on every system.</summary>
    private static string Safe(string name)
    {
        var chars = name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' or ' ' ? c : '_').ToArray();
        var safe = new string(chars).Trim().Trim('.');
        return safe.Length == 0 ? "_" : safe[..Math.Min(safe.Length, 80)];
    }
}

namespace ClipSaver.Core.Scanning;

/// <summary>A scan's files: fetched from Discord's CDN into storage, then attached to their rows through <see cref="ClipArchive"/>.</summary>
public sealed class ClipDownloads(
    ClipSaverDbContext db,
    ClipArchive archive,
    DiscordRestClient discord,
    DiscordCdnClient cdn,
    IClipStorage storage,
    IOptionsMonitor<ScanOptions> options,
    TimeProvider clock)
{
    /// <summary>
    /// Downloads a page's files (a few at a time) into storage, then attaches them to their clip rows in one
    /// transaction behind the purge fence. False when a purge took the scope meanwhile: the files go again and the
    /// scan must stop. A crash in between leaves files whose rows have no storage key: the next run downloads those again
    /// (the scan's first step), overwriting the same keys.
    /// </summary>
    public Task<bool> DownloadAsync(ScanRun run, long? parentId, IReadOnlyList<(long ClipId, FoundClip Clip)> clips, GuildSettings settings, CancellationToken cancellationToken) =>
        DownloadAsync(run.GuildId, run.ChannelId, run.Id, parentId, clips, settings, cancellationToken);

    /// <summary>As above, for clips seen in a Gateway event (no scan run to count them on: <paramref name="scanRunId"/> null).</summary>
    public async Task<bool> DownloadAsync(long guildId, long channelId, long? scanRunId, long? parentId, IReadOnlyList<(long ClipId, FoundClip Clip)> clips, GuildSettings settings, CancellationToken cancellationToken)
    {
        var run = new { GuildId = guildId, ChannelId = channelId, Id = scanRunId ?? 0 };
        if (clips.Count == 0)
        {
            return true;
        }

        var results = new Download[clips.Count];
        await Parallel.ForAsync(0, clips.Count, new ParallelOptions { MaxDegreeOfParallelism = options.CurrentValue.ParallelDownloads, CancellationToken = cancellationToken },
            async (i, token) =>
            {
                var (clipId, clip) = clips[i];
                var attachment = clip.Attachment!;
                var key = ClipStorageKeys.ForAttachment(run.GuildId, run.ChannelId, attachment.Id.ToInt64(), attachment.Filename);
                try
                {
                    results[i] = new Download(clipId, key, await FetchAsync(run.ChannelId, clip.Message.Id, attachment, key, settings.MaxFileSizeBytes, token), null);
                }
                catch (ClipTooLargeException)
                {
                    results[i] = new Download(clipId, key, null, $"Larger than this server's {settings.MaxFileSizeMb} MB limit.");
                }
                catch (DiscordCdnUrlExpiredException)
                {
                    results[i] = new Download(clipId, key, null, "Discord no longer serves this file.");
                }
            });

        var stored = results.Where(r => r.Stored is not null).ToList();
        var skipped = results.Where(r => r.SkipReason is not null).ToList();
        HashSet<long> attached = [];
        await using (var tx = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            if (!await ClipArchive.TryEnterForWriteAsync(db, run.GuildId, run.ChannelId, parentId, cancellationToken))
            {
                await tx.RollbackAsync(cancellationToken);
                await DeleteFilesAsync(stored);
                return false;
            }

            if (skipped.Count > 0)
            {
                await archive.SkipFilesAsync([.. skipped.Select(r => (r.ClipId, r.SkipReason!))], cancellationToken);
            }

            if (stored.Count > 0)
            {
                attached = [.. await archive.AttachFilesAsync(run.ChannelId, [.. stored.Select(r => new AttachedFile(r.ClipId, r.Key, r.Stored!.Sha256, r.Stored.Crc32, r.Stored.SizeBytes))], cancellationToken)];
                var bytes = stored.Where(r => attached.Contains(r.ClipId)).Sum(r => r.Stored!.SizeBytes);
                if (attached.Count > 0 && scanRunId is not null)
                {
                    await db.ScanRuns.Where(r => r.Id == run.Id).ExecuteUpdateAsync(s => s
                        .SetProperty(r => r.FilesStored, r => r.FilesStored + attached.Count)
                        .SetProperty(r => r.BytesStored, r => r.BytesStored + bytes)
                        .SetProperty(r => r.HeartbeatAt, clock.GetUtcNow()), cancellationToken);
                }
            }

            await tx.CommitAsync(cancellationToken);
        }

        // A row that could not take its file is one a purge took meanwhile: the file must not outlive it.
        var unattached = stored.Where(r => !attached.Contains(r.ClipId)).ToList();
        if (unattached.Count > 0)
        {
            var ids = unattached.Select(r => r.ClipId).ToList();
            var existing = await db.Clips.Where(c => ids.Contains(c.Id)).Select(c => c.Id).ToListAsync(cancellationToken);
            var gone = unattached.Where(r => !existing.Contains(r.ClipId)).ToList();
            if (gone.Count > 0)
            {
                await DeleteFilesAsync(gone);
                return false;
            }
        }

        return true;
    }

    private sealed record Download(long ClipId, string Key, StoredFile? Stored, string? SkipReason);

    private async Task DeleteFilesAsync(IEnumerable<Download> downloads)
    {
        foreach (var d in downloads)
        {
            await storage.DeleteAsync(d.Key, CancellationToken.None);
        }
    }

    /// <summary>Downloads into storage; an expired link is renewed once by reading the message again.</summary>
    private async Task<StoredFile> FetchAsync(long channelId, Snowflake messageId, DiscordAttachment attachment, string key, long maxBytes, CancellationToken cancellationToken)
    {
        var url = attachment.Url;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var response = await cdn.OpenAsync(new Uri(url), cancellationToken);
                await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
                return await storage.PutAsync(key, body, maxBytes, cancellationToken);
            }
            catch (DiscordCdnUrlExpiredException) when (attempt == 0)
            {
                var fresh = await discord.TryGetMessageAsync(Snowflake.FromInt64(channelId), messageId, cancellationToken);
                url = fresh?.Attachments.FirstOrDefault(a => a.Id == attachment.Id)?.Url ?? throw new DiscordCdnUrlExpiredException(new Uri(url));
            }
        }
    }
}

namespace ClipSaver.Core.Storage;

/// <summary>What one pass of <see cref="StorageMove"/> did.</summary>
public sealed record StorageMoveReport(int Files, int Copied, int Skipped, long BytesCopied, IReadOnlyList<string> Failures)
{
    public bool Succeeded => Failures.Count == 0;
}

/// <summary>Progress after each file: files done of all, bytes copied.</summary>
public sealed record StorageMoveProgress(int Done, int Files, long BytesCopied, int Failed);

/// <summary>
/// Copies every file of one clip storage into another under the same key (decision 019), verifying each copy: the
/// bytes sent must hash to what the clip row says (where a clip points at the key), and the copy read back from the
/// target must hash the same. A file the target already holds with the right hash is left alone, so a pass that was
/// stopped resumes where it was, and a second pass after the switch picks up what arrived meanwhile. It never deletes
/// nor changes a row: the running app keeps using the source until its <c>Kind</c> is switched.
/// </summary>
public sealed class StorageMove(ClipSaverDbContext db, IClipStorage source, IClipStorage target)
{
    private const long NoLimit = long.MaxValue;

    public async Task<StorageMoveReport> RunAsync(int parallel, IProgress<StorageMoveProgress>? progress, CancellationToken cancellationToken)
    {
        var files = await source.ListAsync("", cancellationToken).ToListAsync(cancellationToken);
        var failures = new List<string>();
        int done = 0, copied = 0, already = 0;
        long bytes = 0;
        foreach (var batch in files.Chunk(200))
        {
            var keys = batch.Select(f => f.Key).ToList();
            var expected = await db.Clips.AsNoTracking().Where(c => c.StorageKey != null && keys.Contains(c.StorageKey) && c.Sha256 != null)
                .ToDictionaryAsync(c => c.StorageKey!, c => c.Sha256!, cancellationToken);
            await Parallel.ForEachAsync(batch, new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = cancellationToken }, async (file, ct) =>
            {
                var (outcome, failure) = await MoveOneAsync(file, expected.GetValueOrDefault(file.Key), ct);
                lock (failures)
                {
                    done++;
                    already += outcome == Outcome.AlreadyThere ? 1 : 0;
                    copied += outcome == Outcome.Copied ? 1 : 0;
                    bytes += outcome == Outcome.Copied ? file.SizeBytes : 0;
                    if (failure is not null)
                    {
                        failures.Add(failure);
                    }

                    progress?.Report(new StorageMoveProgress(done, files.Count, bytes, failures.Count));
                }
            });
        }

        return new StorageMoveReport(files.Count, copied, already, bytes, failures);
    }

    private enum Outcome
    {
        AlreadyThere,
        Copied,
        Failed,
    }

    private async Task<(Outcome Outcome, string? Failure)> MoveOneAsync(StoredObject file, string? expected, CancellationToken cancellationToken)
    {
        try
        {
            if (await target.GetInfoAsync(file.Key, cancellationToken) is { } there && there.SizeBytes == file.SizeBytes)
            {
                var wanted = expected ?? await HashAsync(source, file.Key, cancellationToken);
                if (wanted is not null && await HashAsync(target, file.Key, cancellationToken) == wanted)
                {
                    return (Outcome.AlreadyThere, null);
                }
            }

            await using var read = await source.OpenReadAsync(file.Key, cancellationToken);
            if (read is null)
            {
                return (Outcome.AlreadyThere, null); // purged since the listing: nothing to move
            }

            var stored = await target.PutAsync(file.Key, read, NoLimit, cancellationToken);
            if (expected is not null && stored.Sha256 != expected)
            {
                return (Outcome.Copied, $"{file.Key}: the source file does not match its clip's checksum (read {stored.Sha256}, expected {expected}); copied as it is.");
            }

            var back = await HashAsync(target, file.Key, cancellationToken);
            return back == stored.Sha256
                ? (Outcome.Copied, null)
                : (Outcome.Copied, $"{file.Key}: the copy read back from the target has another checksum ({back}, sent {stored.Sha256}).");
        }
        catch (Exception e) when (e is IOException or HttpRequestException or Amazon.Runtime.AmazonServiceException or Amazon.Runtime.AmazonClientException)
        {
            return (Outcome.Failed, $"{file.Key}: {e.Message}");
        }
    }

    private static async Task<string?> HashAsync(IClipStorage storage, string key, CancellationToken cancellationToken)
    {
        await using var stream = await storage.OpenReadAsync(key, cancellationToken);
        return stream is null ? null : Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
    }
}

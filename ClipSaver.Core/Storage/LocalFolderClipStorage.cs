using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Microsoft.Win32.SafeHandles;

namespace ClipSaver.Core.Storage;

/// <summary>
/// Clip storage in a local folder. Writes go to <c>.tmp/</c> inside the root and are renamed into place, so a crash
/// never leaves a half file under a real key (rename is atomic within one file system).
/// </summary>
public sealed class LocalFolderClipStorage : IClipStorage
{
    private const string TempFolder = ".tmp";
    private readonly string _root;

    public LocalFolderClipStorage(IOptions<StorageOptions> options)
    {
        // No disk access here: a storage that cannot be written must not break every request that resolves it;
        // the health check reports it instead.
        _root = Path.GetFullPath(options.Value.EffectiveRoot);
    }

    public string Root => _root;

    /// <summary>What one write copies at a time: large enough that a big file costs few system calls.</summary>
    private const int CopyBufferBytes = 1 << 20;

    /// <summary>Pooled apart from the shared pool, which keeps one per thread that returned one (decision 027).</summary>
    private static readonly ArrayPool<byte> CopyBuffers = ArrayPool<byte>.Create(CopyBufferBytes, maxArraysPerBucket: 8);

    /// <summary>How much a large write puts down before it asks the disk to catch up.</summary>
    private const long FlushEveryBytes = 64L << 20;

    public async Task<StoredFile> PutAsync(string key, Stream content, long maxBytes, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var size = await WriteAsync(key, content, maxBytes, hash, cancellationToken);
        return new StoredFile(key, size, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    public Task<long> PutWithoutChecksumAsync(string key, PipeReader content, long maxBytes, CancellationToken cancellationToken) =>
        WriteFileAsync(key, async (file, flusher) =>
        {
            // The pipe's own memory goes to the disk as it is (one gathered write per read), not through a buffer of
            // ours: one copy of every byte less for an export's part (decision 030).
            var segments = new List<ReadOnlyMemory<byte>>();
            long total = 0;
            while (true)
            {
                var read = await content.ReadAsync(cancellationToken);
                var data = read.Buffer;
                if (total + data.Length > maxBytes)
                {
                    throw new ClipTooLargeException(maxBytes);
                }

                segments.Clear();
                foreach (var segment in data)
                {
                    segments.Add(segment);
                }

                await RandomAccess.WriteAsync(file, segments, total, cancellationToken);
                total += data.Length;
                content.AdvanceTo(data.End);
                await flusher.WrittenAsync(total);
                if (read.IsCompleted)
                {
                    return total;
                }
            }
        });

    private Task<long> WriteAsync(string key, Stream content, long maxBytes, IncrementalHash? hash, CancellationToken cancellationToken) =>
        WriteFileAsync(key, async (file, flusher) =>
        {
            var buffer = CopyBuffers.Rent(CopyBufferBytes);
            try
            {
                long total = 0;
                int read;
                while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    if (total + read > maxBytes)
                    {
                        throw new ClipTooLargeException(maxBytes);
                    }

                    hash?.AppendData(buffer, 0, read);
                    await RandomAccess.WriteAsync(file, buffer.AsMemory(0, read), total, cancellationToken);
                    total += read;
                    await flusher.WrittenAsync(total);
                }

                return total;
            }
            finally
            {
                CopyBuffers.Return(buffer);
            }
        });

    /// <summary>
    /// Writes a temporary file with <paramref name="copy"/>, puts it on the disk (fsync) and renames it into place; a
    /// failure leaves nothing behind.
    /// </summary>
    private async Task<long> WriteFileAsync(string key, Func<SafeFileHandle, BackgroundFlush, Task<long>> copy)
    {
        var target = PathFor(key);
        var temp = Path.Combine(_root, TempFolder, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.GetDirectoryName(temp)!);
        try
        {
            long total;
            // FileShare.None: the exclusive lock that tells the abandoned-file sweep this file still has a writer.
            using (var file = File.OpenHandle(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                await using var flusher = new BackgroundFlush(file);
                total = await copy(file, flusher);
                await flusher.CompleteAsync();
            }

            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Move(temp, target, overwrite: true);
            return total;
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    /// <summary>
    /// Asks the disk to catch up every <see cref="FlushEveryBytes"/> of a large write (an fsync in the background while
    /// the copy goes on), so that the final fsync has little left to do. Small files (clips) never reach it.
    /// </summary>
    private sealed class BackgroundFlush(SafeFileHandle file) : IAsyncDisposable
    {
        private Task? _flushing;
        private long _flushedAt;

        public async ValueTask WrittenAsync(long total)
        {
            if (total - _flushedAt >= FlushEveryBytes && _flushing is not { IsCompleted: false })
            {
                await (_flushing ?? Task.CompletedTask);
                _flushedAt = total;
                _flushing = Task.Run(() => RandomAccess.FlushToDisk(file), CancellationToken.None);
            }
        }

        /// <summary>The last fsync; a failed background one fails the write (the kernel reports a write-back error only once).</summary>
        public async Task CompleteAsync()
        {
            await (_flushing ?? Task.CompletedTask);
            _flushing = null;
            RandomAccess.FlushToDisk(file);
        }

        public async ValueTask DisposeAsync()
        {
            if (_flushing is not null)
            {
                await _flushing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    /// <summary>
    /// A writer holds its temporary file open with <see cref="FileShare.None"/> (an exclusive lock), so a file that
    /// opens exclusively here has no writer: its process died. The age keeps clear of the moment between a writer's
    /// close and its rename.
    /// </summary>
    public Task<int> DeleteAbandonedTemporaryFilesAsync(TimeSpan olderThan, CancellationToken cancellationToken)
    {
        var folder = new DirectoryInfo(Path.Combine(_root, TempFolder));
        if (!folder.Exists)
        {
            return Task.FromResult(0);
        }

        var cutoff = DateTime.UtcNow - olderThan;
        var deleted = 0;
        foreach (var file in folder.EnumerateFiles())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (file.LastWriteTimeUtc > cutoff)
            {
                continue;
            }

            try
            {
                using (new FileStream(file.FullName, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
                {
                }

                file.Delete();
                deleted++;
            }
            catch (IOException)
            {
                // A writer still holds it, or it was renamed into place meanwhile.
            }
        }

        return Task.FromResult(deleted);
    }

    public Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken)
    {
        var path = PathFor(key);
        Stream? stream = File.Exists(path)
            ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 64 * 1024, FileOptions.Asynchronous | FileOptions.SequentialScan)
            : null;
        return Task.FromResult(stream);
    }

    /// <summary>
    /// Unbuffered: the reader asks for whole files or large pieces, and a buffered stream would allocate its buffer
    /// for the last short read of every file (an export reads thousands).
    /// </summary>
    public Task<Stream?> OpenSequentialReadAsync(string key, CancellationToken cancellationToken)
    {
        var path = PathFor(key);
        Stream? stream = File.Exists(path)
            ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, bufferSize: 0, FileOptions.Asynchronous | FileOptions.SequentialScan)
            : null;
        return Task.FromResult(stream);
    }

    public Task<StoredObject?> GetInfoAsync(string key, CancellationToken cancellationToken)
    {
        var info = new FileInfo(PathFor(key));
        return Task.FromResult(info.Exists ? new StoredObject(key, info.Length, info.LastWriteTimeUtc) : null);
    }

    public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken)
    {
        var path = PathFor(key);
        if (!File.Exists(path))
        {
            return Task.FromResult(false);
        }

        File.Delete(path);
        return Task.FromResult(true);
    }

    public async IAsyncEnumerable<StoredObject> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var folder = FolderFor(prefix);
        if (!Directory.Exists(folder))
        {
            yield break;
        }

        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.None };
        foreach (var file in new DirectoryInfo(folder).EnumerateFiles("*", options))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var key = Path.GetRelativePath(_root, file.FullName).Replace('\\', '/');
            if (key.StartsWith(TempFolder + "/", StringComparison.Ordinal))
            {
                continue;
            }

            long length;
            DateTime written;
            try
            {
                length = file.Length;
                written = file.LastWriteTimeUtc;
            }
            catch (FileNotFoundException)
            {
                continue; // deleted while listing (a second purge copy, for example)
            }

            yield return new StoredObject(key, length, new DateTimeOffset(written, TimeSpan.Zero));
        }

        await Task.CompletedTask;
    }

    public async Task<(long Files, long Bytes)> DeleteByPrefixAsync(string prefix, CancellationToken cancellationToken)
    {
        long files = 0, bytes = 0;
        await foreach (var item in ListAsync(prefix, cancellationToken))
        {
            if (await DeleteAsync(item.Key, cancellationToken))
            {
                files++;
                bytes += item.SizeBytes;
            }
        }

        var folder = FolderFor(prefix);
        if (prefix.Length > 0 && Directory.Exists(folder))
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // A file arriving at the same moment keeps the folder (the purge's verification step will see it),
                // or another deleter removed the folder first (DirectoryNotFoundException is an IOException).
            }
        }

        return (files, bytes);
    }

    public async Task<StorageHealth> CheckHealthAsync(CancellationToken cancellationToken)
    {
        try
        {
            var probe = Path.Combine(_root, TempFolder, "health-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Path.GetDirectoryName(probe)!);
            await File.WriteAllBytesAsync(probe, [1], cancellationToken);
            File.Delete(probe);
            return new StorageHealth(true, "Clip storage accepts writes.");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new StorageHealth(false, "Clip storage does not accept writes.");
        }
    }

    private string PathFor(string key)
    {
        if (!ClipStorageKeys.IsValid(key))
        {
            throw new ArgumentException($"'{key}' is not a valid storage key.", nameof(key));
        }

        return Path.Combine(_root, key);
    }

    private string FolderFor(string prefix)
    {
        if (!ClipStorageKeys.IsValidPrefix(prefix))
        {
            throw new ArgumentException($"'{prefix}' is not a valid storage prefix.", nameof(prefix));
        }

        return prefix.Length == 0 ? _root : Path.Combine(_root, prefix.TrimEnd('/'));
    }
}

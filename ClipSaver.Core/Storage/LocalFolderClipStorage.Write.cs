using System.Buffers;
using System.IO.Pipelines;
using Microsoft.Win32.SafeHandles;

namespace ClipSaver.Core.Storage;

/// <summary>Writes: streamed into a temporary file, put on the disk, then renamed into place.</summary>
public sealed partial class LocalFolderClipStorage
{
    /// <summary>What one write copies at a time: large enough that a big file costs few system calls.</summary>
    private const int CopyBufferBytes = 1 << 20;

    /// <summary>Pooled apart from the shared pool, which keeps one per thread that returned one (decision 027).</summary>
    private static readonly ArrayPool<byte> CopyBuffers = ArrayPool<byte>.Create(CopyBufferBytes, maxArraysPerBucket: 8);

    /// <summary>How much a large write puts down before it asks the disk to catch up.</summary>
    private const long FlushEveryBytes = 64L << 20;

    public async Task<StoredFile> PutAsync(string key, Stream content, long maxBytes, CancellationToken cancellationToken)
    {
        using var checksums = new FileChecksums();
        var size = await WriteAsync(key, content, maxBytes, checksums, cancellationToken);
        return checksums.ToStoredFile(key, size);
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

    private Task<long> WriteAsync(string key, Stream content, long maxBytes, FileChecksums? checksums, CancellationToken cancellationToken) =>
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

                    checksums?.Append(buffer.AsSpan(0, read));
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
}

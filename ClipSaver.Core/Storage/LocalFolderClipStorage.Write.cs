using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.InteropServices;
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

    /// <summary>
    /// Writes <paramref name="key"/> straight into its file through <paramref name="write"/>, which may append stored
    /// files by the kernel (<see cref="LocalFileStream.Append"/>); with <paramref name="durable"/> false the file counts
    /// once written and is put on the disk later (<see cref="FlushToDiskAsync"/>, decision 031). Atomic as every
    /// write here: a failure leaves nothing under the key.
    /// </summary>
    public Task<long> WriteDirectAsync(string key, Func<LocalFileStream, Task> write, bool durable) =>
        WriteFileAsync(key, async (file, _) =>
        {
            var writer = new LocalFileStream(file);
            await write(writer);
            return writer.Length;
        }, durable);

    /// <summary>
    /// A stored file opened for <see cref="LocalFileStream.Append"/>; null when there is none. On Linux with a plain
    /// <c>open</c>: the runtime's own adds an advisory lock, its release and two more calls to each of an export's
    /// thousands of files, which these files (renamed into place, never written again) do not need.
    /// </summary>
    public SafeFileHandle? OpenHandle(string key)
    {
        var path = PathFor(key);
        if (OperatingSystem.IsLinux())
        {
            var fd = open(path, O_RDONLY | O_CLOEXEC);
            if (fd >= 0)
            {
                return new SafeFileHandle(fd, ownsHandle: true);
            }

            var error = Marshal.GetLastPInvokeError();
            return error is ENOENT or ENOTDIR ? null : throw new IOException($"Opening stored file {key} failed (error {error}).", error);
        }

        try
        {
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// Puts files written with <c>durable: false</c> on the disk (an fsync of each; on the journalling file systems
    /// Linux uses, that commits their earlier rename too); a missing one is skipped.
    /// </summary>
    public Task FlushToDiskAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken) => Task.Run(
        () =>
        {
            foreach (var key in keys)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var file = OpenHandle(key);
                if (file is not null)
                {
                    RandomAccess.FlushToDisk(file);
                }
            }
        },
        cancellationToken);

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
    private async Task<long> WriteFileAsync(string key, Func<SafeFileHandle, BackgroundFlush, Task<long>> copy, bool durable = true)
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
                await using var flusher = new BackgroundFlush(file, durable);
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
    private sealed class BackgroundFlush(SafeFileHandle file, bool durable) : IAsyncDisposable
    {
        private Task? _flushing;
        private long _flushedAt;

        public async ValueTask WrittenAsync(long total)
        {
            if (durable && total - _flushedAt >= FlushEveryBytes && _flushing is not { IsCompleted: false })
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
            if (durable)
            {
                RandomAccess.FlushToDisk(file);
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_flushing is not null)
            {
                await _flushing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private const int O_RDONLY = 0, O_CLOEXEC = 0x80000, ENOENT = 2, ENOTDIR = 20;

    // DllImport rather than LibraryImport: the source-generated form needs unsafe code switched on for the project.
    [DllImport("libc", SetLastError = true)]
    private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);
}

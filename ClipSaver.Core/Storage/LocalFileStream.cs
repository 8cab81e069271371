using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace ClipSaver.Core.Storage;

/// <summary>
/// A file being written in the local folder, forward only: written bytes go down at once (no buffer of its own; the
/// pipe in front of it is the buffer), and a stored file is appended by the kernel (<c>copy_file_range</c>, as
/// <c>cat</c> does), without its bytes passing through the process (decision 031). Where the kernel cannot copy
/// between the two files, the bytes are read and written instead.
/// </summary>
public sealed class LocalFileStream(SafeFileHandle file) : Stream
{
    /// <summary>At most this much per kernel copy: a large file does not hold the thread in one long call.</summary>
    private const int KernelCopyBytes = 8 << 20;

    private static int _noKernelCopy = OperatingSystem.IsLinux() ? 0 : 1;

    private long _offset;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => _offset;
    public override long Position { get => _offset; set => throw new NotSupportedException(); }

    /// <summary>
    /// Appends the first <paramref name="length"/> bytes of <paramref name="source"/>; returns how many it found (fewer
    /// when the file is shorter).
    /// </summary>
    public long Append(SafeFileHandle source, long length)
    {
        long copied = 0;
        while (copied < length && Volatile.Read(ref _noKernelCopy) == 0)
        {
            var (from, to) = (copied, _offset);
            nint n;
            try
            {
                n = copy_file_range(source, ref from, file, ref to, (nuint)Math.Min(length - copied, KernelCopyBytes), 0);
            }
            catch (EntryPointNotFoundException)
            {
                Volatile.Write(ref _noKernelCopy, 1); // a C library without the call
                break;
            }

            if (n > 0)
            {
                (copied, _offset) = (copied + n, _offset + n);
                continue;
            }

            if (n == 0)
            {
                return copied; // the end of the file
            }

            var error = Marshal.GetLastPInvokeError();
            if (error is ENOSYS or EXDEV or EINVAL or EOPNOTSUPP)
            {
                Volatile.Write(ref _noKernelCopy, 1); // the rest, and later files, the ordinary way
                break;
            }

            if (error != EINTR)
            {
                throw new IOException($"Copying a stored file into the export failed (error {error}).", error);
            }
        }

        return copied + CopyByReading(source, copied, length - copied);
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        RandomAccess.Write(file, buffer, _offset);
        _offset += buffer.Length;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        // Done on the caller's thread: what comes here is a ZIP's headers, a few hundred bytes per file, which the kernel
        // takes into its page cache at once; a hop to another thread for each would cost more than the write.
        cancellationToken.ThrowIfCancellationRequested();
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private long CopyByReading(SafeFileHandle source, long from, long length)
    {
        var buffer = new byte[(int)Math.Min(Math.Max(length, 1), 1 << 20)];
        long copied = 0;
        while (copied < length)
        {
            var read = RandomAccess.Read(source, buffer.AsSpan(0, (int)Math.Min(buffer.Length, length - copied)), from + copied);
            if (read == 0)
            {
                break;
            }

            Write(buffer.AsSpan(0, read));
            copied += read;
        }

        return copied;
    }

    private const int EINTR = 4, EXDEV = 18, EINVAL = 22, ENOSYS = 38, EOPNOTSUPP = 95;

    // DllImport rather than LibraryImport: the source-generated form needs unsafe code switched on for the project.
    [DllImport("libc", SetLastError = true)]
    private static extern nint copy_file_range(SafeFileHandle fdIn, ref long offIn, SafeFileHandle fdOut, ref long offOut, nuint length, uint flags);
}

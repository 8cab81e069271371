using System.Buffers;
using System.IO.Pipelines;

namespace ClipSaver.Core.Exports;

/// <summary>
/// A temporary file that an export part writes what it must keep until the part closes (the ZIP's central directory,
/// the manifests) into, instead of memory: the part's size in memory does not grow with its number of files. The file
/// is gone once closed, and with it anything of a part that failed; on Linux it has no name from the start, so that a
/// process killed in the middle of a part leaves nothing in the temporary folder either.
/// </summary>
internal static class TemporarySpool
{
    public static FileStream Create()
    {
        var stream = new FileStream(
            Path.Combine(Path.GetTempPath(), $"clipsaver-export-{Guid.NewGuid():N}.tmp"),
            FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 64 << 10, FileOptions.DeleteOnClose);
        if (!OperatingSystem.IsWindows())
        {
            // The open handle keeps the data; DeleteOnClose alone unlinks only when the stream is disposed. (Windows
            // deletes a DeleteOnClose file when the process dies.)
            File.Delete(stream.Name);
        }

        return stream;
    }
}

/// <summary>A write-only stream into a pipe that counts what went through (the deflated size of a ZIP entry).</summary>
internal sealed class CountingPipeStream(PipeWriter output) : Stream
{
    public long Written { get; private set; }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        output.Write(buffer);
        Written += buffer.Length;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Written += buffer.Length;
        if ((await output.WriteAsync(buffer, cancellationToken)).IsCompleted)
        {
            throw new StorageStoppedException();
        }
    }

    public override void Flush()
    {
    }

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        if ((await output.FlushAsync(cancellationToken)).IsCompleted)
        {
            throw new StorageStoppedException();
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}

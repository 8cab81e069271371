using System.Buffers;
using System.IO.Compression;
using System.IO.Hashing;

namespace ClipSaver.Core.Exports;

/// <summary>
/// A manifest's text, deflated on a task of its own while the part's files are copied (decision 031), into a
/// <see cref="TemporarySpool"/>: when the part closes, its compressed bytes are ready, where deflating them only then
/// held each part 17-33 ms per 10,000 clips. At most a few chunks wait in memory; a writer ahead of the deflating waits.
/// </summary>
internal sealed class DeflatingSpool : Stream
{
    private const int ChunkBytes = 64 << 10, ChunksWaiting = 8;

    private readonly FileStream _compressed = TemporarySpool.Create();
    private readonly DeflateStream _deflate;
    private readonly System.Threading.Channels.Channel<(byte[] Buffer, int Count)> _chunks =
        System.Threading.Channels.Channel.CreateBounded<(byte[], int)>(new System.Threading.Channels.BoundedChannelOptions(ChunksWaiting) { SingleReader = true, SingleWriter = true });
    private readonly Task _deflating;
    private readonly Crc32 _crc = new();
    private long _size;
    private bool _finished;
    private bool _cleaned;

    public DeflatingSpool()
    {
        _deflate = new DeflateStream(_compressed, CompressionLevel.Fastest, leaveOpen: true);
        _deflating = Task.Run(DeflateAllAsync);
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => !_finished;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    /// <summary>Hands the bytes to the deflating task (a failure there shows here, or when finishing).</summary>
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        while (!buffer.IsEmpty)
        {
            var count = Math.Min(buffer.Length, ChunkBytes);
            var chunk = ArrayPool<byte>.Shared.Rent(count);
            buffer[..count].CopyTo(chunk);
            buffer = buffer[count..];
            if (!_chunks.Writer.TryWrite((chunk, count)))
            {
                try
                {
                    // Only when the deflating is behind by the whole queue; it runs on another thread.
                    _chunks.Writer.WriteAsync((chunk, count)).AsTask().GetAwaiter().GetResult();
                }
                catch
                {
                    ArrayPool<byte>.Shared.Return(chunk);
                    throw;
                }
            }
        }
    }

    /// <summary>
    /// Ends the text: waits for the deflating to finish and returns the text's CRC-32 and size, with
    /// <see cref="Compressed"/> at its start.
    /// </summary>
    public async Task<(uint Crc, long Size)> FinishAsync()
    {
        _finished = true;
        _chunks.Writer.TryComplete();
        await _deflating;
        await _deflate.DisposeAsync();
        await _compressed.FlushAsync();
        _compressed.Position = 0;
        return (_crc.GetCurrentHashAsUInt32(), _size);
    }

    /// <summary>The deflated bytes, once <see cref="FinishAsync"/> returned.</summary>
    public FileStream Compressed => _finished ? _compressed : throw new InvalidOperationException("The text is not finished.");

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private async Task DeflateAllAsync()
    {
        try
        {
            await foreach (var (buffer, count) in _chunks.Reader.ReadAllAsync())
            {
                try
                {
                    _crc.Append(buffer.AsSpan(0, count));
                    _size += count;
                    _deflate.Write(buffer, 0, count);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
        catch (Exception e)
        {
            // A writer waiting for room hears of it instead of waiting for ever.
            _chunks.Writer.TryComplete(e);
            throw;
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await CleanUpAsync();
        await base.DisposeAsync();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            CleanUpAsync().AsTask().GetAwaiter().GetResult();
        }

        base.Dispose(disposing);
    }

    /// <summary>Lets the deflating end (an unfinished text is not used) and closes the spool; once.</summary>
    private async ValueTask CleanUpAsync()
    {
        if (_cleaned)
        {
            return;
        }

        _cleaned = _finished = true;
        _chunks.Writer.TryComplete();
        await _deflating.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        while (_chunks.Reader.TryRead(out var left))
        {
            ArrayPool<byte>.Shared.Return(left.Buffer);
        }

        try
        {
            await _deflate.DisposeAsync();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The spool is going anyway.
        }

        await _compressed.DisposeAsync();
    }
}

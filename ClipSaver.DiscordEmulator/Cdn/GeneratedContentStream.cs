using ClipSaver.DiscordEmulator.World;

namespace ClipSaver.DiscordEmulator.Cdn;

/// <summary>
/// A seekable, read-only stream of <paramref name="length"/> bytes computed from the attachment id, so any range of a
/// file is the same every time without storing it. Starts with the file type's magic bytes.
/// </summary>
internal sealed class GeneratedContentStream(ulong seed, long length, string contentType) : Stream
{
    private static readonly byte[] Mp4 = [0, 0, 0, 0x18, (byte)'f', (byte)'t', (byte)'y', (byte)'p', (byte)'m', (byte)'p', (byte)'4', (byte)'2'];
    private static readonly byte[] WebM = [0x1A, 0x45, 0xDF, 0xA3];
    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private readonly byte[] _magic = contentType switch
    {
        "video/mp4" => Mp4,
        "video/webm" => WebM,
        "image/png" => Png,
        _ => [],
    };

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position { get; set; }

    private byte ByteAt(long position) =>
        position < _magic.Length ? _magic[position] : (byte)(Snowflakes.Mix(seed, (ulong)position / 8) >> (int)(position % 8 * 8));

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = (int)Math.Clamp(length - Position, 0, buffer.Length);
        for (var i = 0; i < n; i++)
        {
            buffer[i] = ByteAt(Position + i);
        }

        Position += n;
        return n;
    }

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => Position + offset,
        _ => length + offset,
    };

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

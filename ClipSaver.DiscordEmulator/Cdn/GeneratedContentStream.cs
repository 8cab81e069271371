namespace ClipSaver.DiscordEmulator.Cdn;

/// <summary>
/// A seekable, read-only stream of <paramref name="length"/> bytes computed from the attachment id, so any range of a
/// file is the same every time without storing it. A video is one of the real sample clips (picked by the id), padded
/// to its length with a container's filler element (MP4 <c>free</c> box, WebM <c>Void</c>), so it plays; one shorter
/// than its sample is cut, and does not play, like a broken upload. Other files start with their type's magic bytes.
/// </summary>
internal sealed class GeneratedContentStream(ulong seed, long length, string contentType) : Stream
{
    private static readonly Dictionary<string, byte[][]> Samples = LoadSamples();

    private readonly byte[]? _sample = Samples.TryGetValue(contentType, out var samples) ? samples[(int)(seed % (ulong)samples.Length)] : null;

    private static Dictionary<string, byte[][]> LoadSamples()
    {
        var assembly = typeof(GeneratedContentStream).Assembly;
        byte[] Read(string name)
        {
            using var stream = assembly.GetManifestResourceStream("samples/" + name) ?? throw new InvalidOperationException($"The sample clip {name} is missing.");
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        }

        return new()
        {
            ["video/mp4"] = [Read("a.mp4"), Read("b.mp4")],
            ["video/webm"] = [Read("a.webm"), Read("b.webm")],
        };
    }

    /// <summary>The byte at <paramref name="position"/> of a sample padded to the length: a filler element's header, then zeros.</summary>
    private byte SampleByteAt(byte[] sample, long position)
    {
        if (position < sample.Length)
        {
            return sample[position];
        }

        var offset = position - sample.Length;
        var rest = length - sample.Length;
        Span<byte> header = stackalloc byte[9];
        int headerLength;
        if (contentType == "video/mp4")
        {
            // ISO BMFF: a box of [32-bit size]["free"] whose content is ignored.
            headerLength = 8;
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(header, (uint)Math.Min(rest, uint.MaxValue));
            "free"u8.CopyTo(header[4..]);
        }
        else
        {
            // EBML: a Void element (id 0xEC) with an 8-byte size (marker 0x01, then 7 bytes).
            headerLength = 9;
            header[0] = 0xEC;
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(header[1..], (ulong)(rest - 9) | (1UL << 56));
        }

        return rest >= headerLength && offset < headerLength ? header[(int)offset] : (byte)0;
    }

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
        _sample is { } sample ? SampleByteAt(sample, position)
        : position < _magic.Length ? _magic[position] : (byte)(Snowflakes.Mix(seed, (ulong)position / 8) >> (int)(position % 8 * 8));

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

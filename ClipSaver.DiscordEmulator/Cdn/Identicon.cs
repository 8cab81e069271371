using System.Buffers.Binary;
using System.IO.Compression;

namespace ClipSaver.DiscordEmulator.Cdn;

/// <summary>
/// The CDN's icons and avatars: a 64×64 PNG drawn from the id and hash, a symmetric 5×5 pattern on a coloured ground,
/// the same every time, so each demo server and user has a picture of its own (as on Discord) without stored files.
/// </summary>
internal static class Identicon
{
    private const int Size = 64, Cells = 5, Margin = 7;
    private static readonly ConcurrentDictionary<string, byte[]> Cache = new();
    private static readonly uint[] CrcTable = BuildCrcTable();

    public static byte[] Png(string owner, string hash) => Cache.GetOrAdd(owner + "/" + hash, key => Draw(Snowflakes.Mix(Fnv(key), (ulong)key.Length)));

    /// <summary>FNV-1a over the characters: stable across processes, unlike string.GetHashCode.</summary>
    private static ulong Fnv(string text)
    {
        var h = 14695981039346656037UL;
        foreach (var c in text)
        {
            h = (h ^ c) * 1099511628211UL;
        }

        return h;
    }

    private static byte[] Draw(ulong h)
    {
        var ground = Colour(h, 0.45);
        var ink = Colour(h >> 24, 0.85);
        var cell = (Size - 2 * Margin) / Cells;
        var rows = new byte[Size * (1 + Size * 3)];
        for (var y = 0; y < Size; y++)
        {
            var row = y * (1 + Size * 3);
            rows[row] = 0; // no filter
            for (var x = 0; x < Size; x++)
            {
                var (cx, cy) = ((x - Margin) / cell, (y - Margin) / cell);
                var inside = x >= Margin && y >= Margin && cx < Cells && cy < Cells;
                // Mirrored left to right: columns 0-2 decide, 3-4 copy 1-0.
                var on = inside && ((h >> (Math.Min(cx, Cells - 1 - cx) * Cells + cy)) & 1) == 1;
                var (r, g, b) = on ? ink : ground;
                rows[row + 1 + x * 3] = r;
                rows[row + 2 + x * 3] = g;
                rows[row + 3 + x * 3] = b;
            }
        }

        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, Size);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), Size);
        header[8] = 8; // bits per channel
        header[9] = 2; // RGB
        Chunk(png, "IHDR", header);
        using (var data = new MemoryStream())
        {
            using (var zlib = new ZLibStream(data, CompressionLevel.Optimal, leaveOpen: true))
            {
                zlib.Write(rows);
            }

            Chunk(png, "IDAT", data.ToArray());
        }

        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    /// <summary>A colour of the hue the bits pick, at the given lightness (HSL with saturation 0.55).</summary>
    private static (byte R, byte G, byte B) Colour(ulong bits, double lightness)
    {
        var hue = bits % 360 / 60.0;
        var c = (1 - Math.Abs(2 * lightness - 1)) * 0.55;
        var x = c * (1 - Math.Abs(hue % 2 - 1));
        var (r, g, b) = (int)hue switch
        {
            0 => (c, x, 0.0),
            1 => (x, c, 0.0),
            2 => (0.0, c, x),
            3 => (0.0, x, c),
            4 => (x, 0.0, c),
            _ => (c, 0.0, x),
        };
        var m = lightness - c / 2;
        return ((byte)((r + m) * 255), (byte)((g + m) * 255), (byte)((b + m) * 255));
    }

    private static void Chunk(Stream png, string type, byte[] data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        png.Write(word);
        var typed = new byte[4 + data.Length];
        System.Text.Encoding.ASCII.GetBytes(type, typed);
        data.CopyTo(typed, 4);
        png.Write(typed);
        var crc = 0xFFFFFFFFu;
        foreach (var b in typed)
        {
            crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        BinaryPrimitives.WriteUInt32BigEndian(word, crc ^ 0xFFFFFFFFu);
        png.Write(word);
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (var n = 0u; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}

using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.IO.Pipelines;
using System.Text;

namespace ClipSaver.Core.Exports;

/// <summary>
/// A ZIP written forward only into a pipe (APPNOTE 6.3: each entry a local header, its data, a data descriptor; then
/// the central directory). Unlike <see cref="ZipArchive"/>, which keeps an object per entry until it closes, the
/// central directory's records are spooled to a temporary file as the entries go in, so a part of any number of
/// files holds nothing per file in memory; and a stored file is read straight into the pipe's memory, with no copy
/// in between (decision 027). ZIP64 records appear only where a size, an offset or the count needs them.
/// </summary>
internal sealed class ExportZipWriter(PipeWriter output, long zip64From = uint.MaxValue) : IAsyncDisposable
{
    /// <summary>How much of a file one read asks for: few system calls for a large file, one for a small one.</summary>
    private const int ReadBytes = 1 << 20, MinReadBytes = 16 << 10;

    private const ushort Utf8NamesAndDataDescriptor = 0x0808;
    private const ushort Stored = 0, Deflated = 8;

    private readonly FileStream _directory = TemporarySpool.Create();
    private long _position;
    private long _entries;

    /// <summary>Copies <paramref name="source"/> into a stored entry; returns its size (hashed into <paramref name="hash"/> when given).</summary>
    public async Task<long> AddStoredAsync(string name, DateTimeOffset modified, Stream source, long expectedBytes, IncrementalHash? hash, CancellationToken cancellationToken)
    {
        var zip64 = expectedBytes >= zip64From;
        var offset = _position;
        var nameBytes = Encoding.UTF8.GetBytes(name);
        WriteLocalHeader(nameBytes, modified, Stored, zip64);
        var crc = new Crc32();
        long size = 0;
        while (true)
        {
            // Asking for no more than the file still holds keeps a small file in a small segment of the pipe: a
            // full-size one per file would not go back to the array pool fast enough and be allocated anew.
            var memory = output.GetMemory((int)Math.Clamp(expectedBytes - size + 1, MinReadBytes, ReadBytes));
            var read = await source.ReadAsync(memory, cancellationToken);
            if (read == 0)
            {
                break;
            }

            var data = memory.Span[..read];
            crc.Append(data);
            hash?.AppendData(data);
            output.Advance(read);
            (size, _position) = (size + read, _position + read);
            if ((await output.FlushAsync(cancellationToken)).IsCompleted)
            {
                throw new StorageStoppedException();
            }
        }

        Finish(nameBytes, modified, Stored, crc.GetCurrentHashAsUInt32(), size, size, offset, zip64);
        return size;
    }

    /// <summary>
    /// Adds a stored entry of <paramref name="size"/> bytes whose CRC-32 is known, its data put in by
    /// <paramref name="copy"/> straight into the file under the pipe once the header has gone down (the local folder's
    /// kernel copy, decision 031); <paramref name="copy"/> returns how many bytes it put there.
    /// </summary>
    public async Task<long> AddCopiedAsync(string name, DateTimeOffset modified, long size, uint crc, Func<long> copy, CancellationToken cancellationToken)
    {
        var zip64 = size >= zip64From;
        var offset = _position;
        var nameBytes = Encoding.UTF8.GetBytes(name);
        WriteLocalHeader(nameBytes, modified, Stored, zip64);
        if ((await output.FlushAsync(cancellationToken)).IsCompleted)
        {
            throw new StorageStoppedException();
        }

        var copied = copy();
        if (copied != size)
        {
            throw new InvalidDataException($"{name}: its file held {copied} bytes where its record says {size}.");
        }

        _position += size;
        Finish(nameBytes, modified, Stored, crc, size, size, offset, zip64);
        return size;
    }

    /// <summary>A deflated entry of a text deflated while it was written: for the manifests.</summary>
    public async Task AddDeflatedAsync(string name, DateTimeOffset modified, DeflatingSpool text, CancellationToken cancellationToken)
    {
        var (crc, size) = await text.FinishAsync();
        var compressed = text.Compressed;
        var offset = _position;
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var zip64 = size >= zip64From || compressed.Length >= zip64From;
        WriteLocalHeader(nameBytes, modified, Deflated, zip64);
        var buffer = ArrayPool<byte>.Shared.Rent(64 << 10);
        long written = 0;
        try
        {
            int read;
            while ((read = await compressed.ReadAsync(buffer, cancellationToken)) > 0)
            {
                written += read;
                if ((await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken)).IsCompleted)
                {
                    throw new StorageStoppedException();
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        _position += written;
        Finish(nameBytes, modified, Deflated, crc, written, size, offset, zip64);
        await output.FlushAsync(cancellationToken);
    }

    /// <summary>The central directory and its end records; the ZIP is complete after this.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        var start = _position;
        await _directory.FlushAsync(cancellationToken);
        var size = _directory.Length;
        _directory.Position = 0;
        var counted = new CountingPipeStream(output);
        await _directory.CopyToAsync(counted, 64 << 10, cancellationToken);
        _position += counted.Written;
        if (_entries >= ushort.MaxValue || start >= Math.Min(zip64From, uint.MaxValue) || size >= uint.MaxValue)
        {
            var end64 = _position;
            var record = output.GetSpan(56 + 20);
            Put32(record, 0x06064b50);
            Put64(record[4..], 44); // what follows this field
            Put16(record[12..], 45);
            Put16(record[14..], 45);
            Put32(record[16..], 0);
            Put32(record[20..], 0);
            Put64(record[24..], _entries);
            Put64(record[32..], _entries);
            Put64(record[40..], size);
            Put64(record[48..], start);
            Put32(record[56..], 0x07064b50); // the locator
            Put32(record[60..], 0);
            Put64(record[64..], end64);
            Put32(record[72..], 1);
            Advance(76);
        }

        var end = output.GetSpan(22);
        Put32(end, 0x06054b50);
        Put32(end[4..], 0);
        Put16(end[8..], (ushort)Math.Min(_entries, ushort.MaxValue));
        Put16(end[10..], (ushort)Math.Min(_entries, ushort.MaxValue));
        Put32(end[12..], (uint)Math.Min(size, uint.MaxValue));
        Put32(end[16..], start >= Math.Min(zip64From, uint.MaxValue) ? uint.MaxValue : (uint)start);
        Put16(end[20..], 0);
        Advance(22);
        await output.FlushAsync(cancellationToken);
    }

    public ValueTask DisposeAsync() => _directory.DisposeAsync();

    private void WriteLocalHeader(byte[] name, DateTimeOffset modified, ushort method, bool zip64)
    {
        var header = output.GetSpan(30 + name.Length + 20);
        Put32(header, 0x04034b50);
        Put16(header[4..], zip64 ? (ushort)45 : (ushort)20);
        Put16(header[6..], Utf8NamesAndDataDescriptor);
        Put16(header[8..], method);
        PutDosTime(header[10..], modified);
        // CRC and sizes follow the data (data descriptor); a ZIP64 entry says so with its extra field.
        Put32(header[14..], 0);
        Put32(header[18..], zip64 ? uint.MaxValue : 0);
        Put32(header[22..], zip64 ? uint.MaxValue : 0);
        Put16(header[26..], (ushort)name.Length);
        Put16(header[28..], zip64 ? (ushort)20 : (ushort)0);
        name.CopyTo(header[30..]);
        var length = 30 + name.Length;
        if (zip64)
        {
            Put16(header[length..], 0x0001);
            Put16(header[(length + 2)..], 16);
            Put64(header[(length + 4)..], 0);
            Put64(header[(length + 12)..], 0);
            length += 20;
        }

        Advance(length);
    }

    /// <summary>The entry's data descriptor into the pipe and its central directory record into the spool.</summary>
    private void Finish(byte[] name, DateTimeOffset modified, ushort method, uint crc, long compressed, long size, long offset, bool zip64)
    {
        var limit = Math.Min(zip64From, uint.MaxValue);
        if (!zip64 && (compressed >= limit || size >= limit))
        {
            throw new InvalidDataException($"{Encoding.UTF8.GetString(name)} grew past 4 GiB while it was copied; its record said {size} bytes less.");
        }

        var descriptor = output.GetSpan(24);
        Put32(descriptor, 0x08074b50);
        Put32(descriptor[4..], crc);
        if (zip64)
        {
            Put64(descriptor[8..], compressed);
            Put64(descriptor[16..], size);
        }
        else
        {
            Put32(descriptor[8..], (uint)compressed);
            Put32(descriptor[12..], (uint)size);
        }

        Advance(zip64 ? 24 : 16);

        var (bigSize, bigCompressed, bigOffset) = (zip64 || size >= limit, zip64 || compressed >= limit, offset >= limit);
        var extra = (bigSize ? 8 : 0) + (bigCompressed ? 8 : 0) + (bigOffset ? 8 : 0);
        Span<byte> record = stackalloc byte[46 + 4 + 24];
        Put32(record, 0x02014b50);
        Put16(record[4..], 45); // made by: version 4.5, MS-DOS attributes (none set), so unzip applies its umask
        Put16(record[6..], extra > 0 ? (ushort)45 : (ushort)20);
        Put16(record[8..], Utf8NamesAndDataDescriptor);
        Put16(record[10..], method);
        PutDosTime(record[12..], modified);
        Put32(record[16..], crc);
        Put32(record[20..], bigCompressed ? uint.MaxValue : (uint)compressed);
        Put32(record[24..], bigSize ? uint.MaxValue : (uint)size);
        Put16(record[28..], (ushort)name.Length);
        Put16(record[30..], extra > 0 ? (ushort)(4 + extra) : (ushort)0);
        record[32..46].Clear(); // comment length, disk, attributes
        Put32(record[42..], bigOffset ? uint.MaxValue : (uint)offset);
        _directory.Write(record[..46]);
        _directory.Write(name);
        if (extra > 0)
        {
            var zip64Extra = record[46..];
            Put16(zip64Extra, 0x0001);
            Put16(zip64Extra[2..], (ushort)extra);
            var at = 4;
            at = PutIf(zip64Extra, at, bigSize, size);
            at = PutIf(zip64Extra, at, bigCompressed, compressed);
            at = PutIf(zip64Extra, at, bigOffset, offset);
            _directory.Write(zip64Extra[..at]);
        }

        _entries++;
    }

    private void Advance(int bytes)
    {
        output.Advance(bytes);
        _position += bytes;
    }

    private static void PutDosTime(Span<byte> target, DateTimeOffset modified)
    {
        var t = modified.UtcDateTime;
        if (t.Year < 1980)
        {
            t = new DateTime(1980, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        }

        Put16(target, (ushort)((t.Hour << 11) | (t.Minute << 5) | (t.Second / 2)));
        Put16(target[2..], (ushort)(((t.Year - 1980) << 9) | (t.Month << 5) | t.Day));
    }

    private static int PutIf(Span<byte> target, int at, bool present, long value)
    {
        if (!present)
        {
            return at;
        }

        Put64(target[at..], value);
        return at + 8;
    }

    private static void Put16(Span<byte> target, ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(target, value);

    private static void Put32(Span<byte> target, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(target, value);

    private static void Put64(Span<byte> target, long value) => BinaryPrimitives.WriteInt64LittleEndian(target, value);
}

/// <summary>Clip storage stopped reading the part (it failed); its own error is the one to report.</summary>
internal sealed class StorageStoppedException() : IOException("Clip storage stopped taking the part.");

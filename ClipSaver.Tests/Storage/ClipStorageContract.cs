using System.IO.Hashing;
using System.IO.Pipelines;

namespace ClipSaver.Tests.Storage;

/// <summary>
/// What every clip storage must do, run against each kind: the local folder (<see cref="LocalFolderClipStorageTests"/>)
/// and an S3-compatible bucket on a real S3-protocol server (<see cref="S3ClipStorageTests"/>).
/// </summary>
public abstract class ClipStorageContract : IAsyncLifetime
{
    protected IClipStorage Storage { get; set; } = null!;

    public abstract Task InitializeAsync();

    public abstract Task DisposeAsync();

    /// <summary>Everything the store holds outside real keys: temporary files, unfinished uploads, stray objects.</summary>
    protected abstract Task<IReadOnlyList<string>> LeftoversAsync();

    /// <summary>
    /// The put reported the file's size, SHA-256 and ZIP CRC-32 (what an export writes into a ZIP for the file without
    /// reading it), and the key reads back exactly its bytes.
    /// </summary>
    protected async Task AssertStoredWholeAsync(string key, byte[] bytes, StoredFile stored)
    {
        Assert.Equal(bytes.Length, stored.SizeBytes);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), stored.Sha256);
        Assert.Equal(Crc32.HashToUInt32(bytes), stored.Crc32);
        await using var read = await Storage.OpenReadAsync(key, CancellationToken.None);
        using var copy = new MemoryStream();
        await read!.CopyToAsync(copy);
        Assert.Equal(bytes, copy.ToArray());
    }

    [Fact]
    public async Task Put_stores_the_bytes_and_reports_size_sha256_and_crc32()
    {
        var bytes = RandomNumberGenerator.GetBytes(300_000);

        var stored = await Storage.PutAsync("1/2/3.mp4", new MemoryStream(bytes), 1_000_000, CancellationToken.None);

        await AssertStoredWholeAsync("1/2/3.mp4", bytes, stored);
    }

    [Fact]
    public async Task A_file_of_many_blocks_reports_the_checksums_of_all_of_them()
    {
        // Many of the local folder's copy buffers (1 MiB) and three of the test bucket's parts (5 MiB), the last one short:
        // the checksums must take in every block, not the first or the last alone.
        var bytes = new byte[(11 << 20) + 12345];
        await new PatternStream(bytes.Length).ReadExactlyAsync(bytes);

        var stored = await Storage.PutAsync("1/2/3.mp4", new MemoryStream(bytes), bytes.Length, CancellationToken.None);

        await AssertStoredWholeAsync("1/2/3.mp4", bytes, stored);
    }

    [Fact]
    public async Task An_empty_file_is_stored_with_the_checksums_of_no_bytes()
    {
        // A zero-byte attachment still goes up as an object of its own; its CRC-32 is 0 and its SHA-256 that of nothing.
        var stored = await Storage.PutAsync("1/2/3.mp4", new MemoryStream(), 100, CancellationToken.None);

        await AssertStoredWholeAsync("1/2/3.mp4", [], stored);
        Assert.Equal(0, (await Storage.GetInfoAsync("1/2/3.mp4", CancellationToken.None))!.SizeBytes);
    }

    [Fact]
    public async Task A_file_over_the_limit_is_refused_and_leaves_nothing_behind()
    {
        var bytes = new byte[5000];

        await Assert.ThrowsAsync<ClipTooLargeException>(() => Storage.PutAsync("1/2/3.mp4", new MemoryStream(bytes), 4999, CancellationToken.None));

        Assert.Null(await Storage.GetInfoAsync("1/2/3.mp4", CancellationToken.None));
        Assert.Empty(await Storage.ListAsync("", CancellationToken.None).ToListAsync());
        Assert.Empty(await LeftoversAsync());
    }

    [Fact]
    public async Task A_write_that_fails_midway_keeps_the_previous_file_whole()
    {
        await Storage.PutAsync("1/2/3.mp4", new MemoryStream([1, 2, 3]), 100, CancellationToken.None);

        await Assert.ThrowsAsync<IOException>(() => Storage.PutAsync("1/2/3.mp4", new FailingStream(), 100_000_000, CancellationToken.None));

        await using var read = await Storage.OpenReadAsync("1/2/3.mp4", CancellationToken.None);
        using var copy = new MemoryStream();
        await read!.CopyToAsync(copy);
        Assert.Equal(new byte[] { 1, 2, 3 }, copy.ToArray());
        Assert.Equal(["1/2/3.mp4"], await Storage.ListAsync("", CancellationToken.None).Select(o => o.Key).ToListAsync());
        Assert.Empty(await LeftoversAsync());
    }

    [Fact]
    public async Task Delete_by_prefix_removes_exactly_that_channel()
    {
        await Storage.PutAsync("1/10/100.mp4", new MemoryStream(new byte[10]), 100, CancellationToken.None);
        await Storage.PutAsync("1/10/101.mp4", new MemoryStream(new byte[20]), 100, CancellationToken.None);
        await Storage.PutAsync("1/11/102.mp4", new MemoryStream(new byte[30]), 100, CancellationToken.None);
        await Storage.PutAsync("2/10/103.mp4", new MemoryStream(new byte[40]), 100, CancellationToken.None);

        var (files, bytes) = await Storage.DeleteByPrefixAsync(ClipStorageKeys.ChannelPrefix(1, 10), CancellationToken.None);

        Assert.Equal(2, files);
        Assert.Equal(30, bytes);
        var left = await Storage.ListAsync("", CancellationToken.None).Select(o => o.Key).OrderBy(k => k, StringComparer.Ordinal).ToListAsync();
        Assert.Equal(["1/11/102.mp4", "2/10/103.mp4"], left);
        Assert.Equal((0L, 0L), await Storage.DeleteByPrefixAsync(ClipStorageKeys.ChannelPrefix(1, 10), CancellationToken.None));
    }

    [Fact]
    public async Task A_range_read_seeks_and_reads_only_from_there()
    {
        var bytes = RandomNumberGenerator.GetBytes(100_000);
        await Storage.PutAsync("1/2/3.mp4", new MemoryStream(bytes), 1_000_000, CancellationToken.None);

        await using var read = await Storage.OpenReadAsync("1/2/3.mp4", CancellationToken.None);
        Assert.True(read!.CanSeek);
        Assert.Equal(bytes.Length, read.Length);
        read.Seek(90_000, SeekOrigin.Begin);
        var tail = new byte[20_000];
        var got = await read.ReadAtLeastAsync(tail, tail.Length, throwOnEndOfStream: false);
        Assert.Equal(10_000, got);
        Assert.Equal(bytes[90_000..], tail[..got]);
        read.Seek(10, SeekOrigin.Begin);
        var head = new byte[5];
        await read.ReadExactlyAsync(head);
        Assert.Equal(bytes[10..15], head);
    }

    [Fact]
    public async Task A_missing_key_reads_as_nothing_and_deletes_as_nothing()
    {
        Assert.Null(await Storage.OpenReadAsync("1/2/404.mp4", CancellationToken.None));
        Assert.Null(await Storage.OpenSequentialReadAsync("1/2/404.mp4", CancellationToken.None));
        Assert.Null(await Storage.GetInfoAsync("1/2/404.mp4", CancellationToken.None));
        Assert.False(await Storage.DeleteAsync("1/2/404.mp4", CancellationToken.None));
        await Storage.PutAsync("1/2/3.mp4", new MemoryStream([1]), 10, CancellationToken.None);
        Assert.True(await Storage.DeleteAsync("1/2/3.mp4", CancellationToken.None));
        Assert.False(await Storage.DeleteAsync("1/2/3.mp4", CancellationToken.None));
    }

    [Fact]
    public async Task A_large_file_put_without_a_checksum_is_stored_whole_and_reads_back_in_one_pass()
    {
        // Past the local folder's first background flush (64 MiB) and over many parts of an object store.
        const long size = (70L << 20) + 12345;
        var expected = Convert.ToHexStringLower(await SHA256.HashDataAsync(new PatternStream(size)));

        var stored = await Storage.PutWithoutChecksumAsync("exports/1/part-001.zip", PipeReader.Create(new PatternStream(size)), size, CancellationToken.None);

        Assert.Equal(size, stored);
        Assert.Equal(size, (await Storage.GetInfoAsync("exports/1/part-001.zip", CancellationToken.None))!.SizeBytes);
        await using var read = await Storage.OpenSequentialReadAsync("exports/1/part-001.zip", CancellationToken.None);
        Assert.Equal(expected, Convert.ToHexStringLower(await SHA256.HashDataAsync(read!)));
        Assert.Empty(await LeftoversAsync());
    }

    [Fact]
    public async Task A_put_without_a_checksum_over_the_limit_is_refused_and_leaves_nothing_behind()
    {
        await Assert.ThrowsAsync<ClipTooLargeException>(() => Storage.PutWithoutChecksumAsync("exports/1/part-001.zip", PipeReader.Create(new PatternStream(20_000)), 19_999, CancellationToken.None));

        Assert.Empty(await Storage.ListAsync("", CancellationToken.None).ToListAsync());
        Assert.Empty(await LeftoversAsync());
    }

    [Fact]
    public async Task The_health_check_writes_reads_and_deletes_and_leaves_nothing()
    {
        var health = await Storage.CheckHealthAsync(CancellationToken.None);

        Assert.True(health.Healthy, health.Description);
        Assert.Empty(await Storage.ListAsync("", CancellationToken.None).ToListAsync());
        Assert.Empty(await LeftoversAsync());
    }

    [Theory]
    [InlineData("../etc/passwd")]
    [InlineData("/abs/path")]
    [InlineData("1/../2")]
    [InlineData("1//2")]
    [InlineData("a b")]
    public async Task Keys_that_could_leave_the_root_are_refused(string key)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Storage.PutAsync(key, new MemoryStream([1]), 10, CancellationToken.None));
    }

    [Fact]
    public void Keys_use_ids_and_a_checked_extension_only()
    {
        Assert.Equal("1/2/3.mp4", ClipStorageKeys.ForAttachment(1, 2, 3, "My Clip.MP4"));
        Assert.Equal("1/2/3", ClipStorageKeys.ForAttachment(1, 2, 3, "evil.mp4/../../x"));
        Assert.Equal("1/2/3", ClipStorageKeys.ForAttachment(1, 2, 3, "noext"));
    }

    /// <summary><paramref name="length"/> bytes of a fixed pattern, made as they are read (nothing held in memory).</summary>
    protected sealed class PatternStream(long length) : Stream
    {
        private long _position;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - _position);
            for (var i = 0; i < n; i++)
            {
                buffer[offset + i] = (byte)(((_position + i) * 31) >> 3);
            }

            _position += n;
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    protected sealed class FailingStream : Stream
    {
        private int _reads;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count)
        {
            if (++_reads > 2)
            {
                throw new IOException("connection dropped");
            }

            buffer.AsSpan(offset, count).Fill(7);
            return count;
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

using System.Security.Cryptography;
using ClipSaver.Core.Storage;
using Microsoft.Extensions.Options;

namespace ClipSaver.Tests.Storage;

public sealed class LocalFolderClipStorageTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "clipsaver-storage-" + Guid.NewGuid().ToString("N"));
    private readonly LocalFolderClipStorage _storage;

    public LocalFolderClipStorageTests() =>
        _storage = new LocalFolderClipStorage(Options.Create(new StorageOptions { Root = _root }));

    public void Dispose()
    {
        // The storage creates its folder on first write; a test that never wrote leaves none.
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public async Task Put_stores_the_bytes_and_reports_size_and_sha256()
    {
        var bytes = RandomNumberGenerator.GetBytes(300_000);

        var stored = await _storage.PutAsync("1/2/3.mp4", new MemoryStream(bytes), 1_000_000, CancellationToken.None);

        Assert.Equal(bytes.Length, stored.SizeBytes);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), stored.Sha256);
        await using var read = await _storage.OpenReadAsync("1/2/3.mp4", CancellationToken.None);
        using var copy = new MemoryStream();
        await read!.CopyToAsync(copy);
        Assert.Equal(bytes, copy.ToArray());
    }

    [Fact]
    public async Task Temporary_files_of_a_dead_writer_are_deleted_once_old_and_those_of_a_live_writer_or_young_ones_are_kept()
    {
        var temp = Directory.CreateDirectory(Path.Combine(_root, ".tmp")).FullName;
        var abandoned = Path.Combine(temp, "abandoned");
        var young = Path.Combine(temp, "young");
        var held = Path.Combine(temp, "held");
        await File.WriteAllBytesAsync(abandoned, [1, 2, 3]);
        await File.WriteAllBytesAsync(young, [1, 2, 3]);
        File.SetLastWriteTimeUtc(abandoned, DateTime.UtcNow.AddMinutes(-5));

        // A download in progress: its writer holds the file exclusively, as PutAsync does.
        await using (var writer = new FileStream(held, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            File.SetLastWriteTimeUtc(held, DateTime.UtcNow.AddMinutes(-5));
            var deleted = await _storage.DeleteAbandonedTemporaryFilesAsync(TimeSpan.FromMinutes(1), CancellationToken.None);

            Assert.Equal(1, deleted);
            Assert.False(File.Exists(abandoned));
            Assert.True(File.Exists(young));
            Assert.True(File.Exists(held));
        }

        Assert.Equal(1, await _storage.DeleteAbandonedTemporaryFilesAsync(TimeSpan.FromMinutes(1), CancellationToken.None)); // its writer died
        Assert.False(File.Exists(held));
        Assert.True(File.Exists(young));
    }

    [Fact]
    public async Task A_file_over_the_limit_is_refused_and_leaves_nothing_behind()
    {
        var bytes = new byte[5000];

        await Assert.ThrowsAsync<ClipTooLargeException>(() => _storage.PutAsync("1/2/3.mp4", new MemoryStream(bytes), 4999, CancellationToken.None));

        Assert.Null(await _storage.GetInfoAsync("1/2/3.mp4", CancellationToken.None));
        Assert.Empty(Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_write_that_fails_midway_keeps_the_previous_file_whole()
    {
        await _storage.PutAsync("1/2/3.mp4", new MemoryStream([1, 2, 3]), 100, CancellationToken.None);

        await Assert.ThrowsAsync<IOException>(() => _storage.PutAsync("1/2/3.mp4", new FailingStream(), 1_000_000, CancellationToken.None));

        await using var read = await _storage.OpenReadAsync("1/2/3.mp4", CancellationToken.None);
        using var copy = new MemoryStream();
        await read!.CopyToAsync(copy);
        Assert.Equal(new byte[] { 1, 2, 3 }, copy.ToArray());
        Assert.Equal(["1/2/3.mp4"], await _storage.ListAsync("", CancellationToken.None).Select(o => o.Key).ToListAsync());
    }

    [Fact]
    public async Task Delete_by_prefix_removes_exactly_that_channel()
    {
        await _storage.PutAsync("1/10/100.mp4", new MemoryStream(new byte[10]), 100, CancellationToken.None);
        await _storage.PutAsync("1/10/101.mp4", new MemoryStream(new byte[20]), 100, CancellationToken.None);
        await _storage.PutAsync("1/11/102.mp4", new MemoryStream(new byte[30]), 100, CancellationToken.None);
        await _storage.PutAsync("2/10/103.mp4", new MemoryStream(new byte[40]), 100, CancellationToken.None);

        var (files, bytes) = await _storage.DeleteByPrefixAsync(ClipStorageKeys.ChannelPrefix(1, 10), CancellationToken.None);

        Assert.Equal(2, files);
        Assert.Equal(30, bytes);
        var left = await _storage.ListAsync("", CancellationToken.None).Select(o => o.Key).OrderBy(k => k, StringComparer.Ordinal).ToListAsync();
        Assert.Equal(["1/11/102.mp4", "2/10/103.mp4"], left);
        Assert.Equal((0L, 0L), await _storage.DeleteByPrefixAsync(ClipStorageKeys.ChannelPrefix(1, 10), CancellationToken.None));
    }

    [Theory]
    [InlineData("../etc/passwd")]
    [InlineData("/abs/path")]
    [InlineData("1/../2")]
    [InlineData("1//2")]
    [InlineData("a b")]
    public async Task Keys_that_could_leave_the_root_are_refused(string key)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _storage.PutAsync(key, new MemoryStream([1]), 10, CancellationToken.None));
    }

    [Fact]
    public void Keys_use_ids_and_a_checked_extension_only()
    {
        Assert.Equal("1/2/3.mp4", ClipStorageKeys.ForAttachment(1, 2, 3, "My Clip.MP4"));
        Assert.Equal("1/2/3", ClipStorageKeys.ForAttachment(1, 2, 3, "evil.mp4/../../x"));
        Assert.Equal("1/2/3", ClipStorageKeys.ForAttachment(1, 2, 3, "noext"));
    }

    private sealed class FailingStream : Stream
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

using Microsoft.Win32.SafeHandles;

namespace ClipSaver.Tests.Exports;

/// <summary>The local folder's forward-only file: written bytes and kernel-copied files, each where it belongs.</summary>
public sealed class LocalFileStreamTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("clipsaver-filestream-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private SafeFileHandle Source(string name, byte[] bytes)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllBytes(path, bytes);
        return File.OpenHandle(path);
    }

    [Fact]
    public async Task Written_bytes_and_appended_files_follow_each_other_in_order_including_a_file_larger_than_one_kernel_copy()
    {
        var small = RandomNumberGenerator.GetBytes(1000);
        var large = RandomNumberGenerator.GetBytes((9 << 20) + 17); // past one 8 MiB copy
        var target = Path.Combine(_folder, "out");
        using (var file = File.OpenHandle(target, FileMode.CreateNew, FileAccess.Write))
        await using (var stream = new LocalFileStream(file))
        {
            await stream.WriteAsync("head"u8.ToArray());
            using (var source = Source("small", small))
            {
                Assert.Equal(small.Length, stream.Append(source, small.Length));
            }

            stream.Write("mid"u8);
            using (var source = Source("large", large))
            {
                Assert.Equal(large.Length, stream.Append(source, large.Length));
            }

            await stream.WriteAsync("tail"u8.ToArray());
            Assert.Equal(4 + small.Length + 3 + large.Length + 4, stream.Length);
        }

        var written = await File.ReadAllBytesAsync(target);
        Assert.Equal([.. "head"u8, .. small, .. "mid"u8, .. large, .. "tail"u8], written);
    }

    [Fact]
    public void A_file_shorter_than_asked_gives_what_it_has_and_says_how_much()
    {
        var bytes = RandomNumberGenerator.GetBytes(500);
        var target = Path.Combine(_folder, "out");
        using var file = File.OpenHandle(target, FileMode.CreateNew, FileAccess.Write);
        using var stream = new LocalFileStream(file);
        using var source = Source("short", bytes);

        Assert.Equal(500, stream.Append(source, 800));
        Assert.Equal(500, stream.Length);
        file.Dispose();
        Assert.Equal(bytes, File.ReadAllBytes(target));
    }
}

using ClipSaver.Core.Exports;
using Microsoft.Extensions.Options;

namespace ClipSaver.Tests.Exports;

/// <summary>
/// The local folder's files opened ahead of the export's kernel copy (decision 031): in order across batches, null where
/// the copy cannot take the file, never more than a bounded number open and waiting, and every handle closed once the
/// part ends, whether its file was taken or not.
/// </summary>
public sealed class FilesOpenedAheadTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("clipsaver-opened-ahead-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>This process's file descriptors open on a file under this test's folder.</summary>
    private int OpenHere() => OperatingSystem.IsLinux()
        ? new DirectoryInfo("/proc/self/fd").EnumerateFileSystemInfos().Count(fd => fd.LinkTarget is { } target && target.StartsWith(_root, StringComparison.Ordinal))
        : 0;

    [Fact]
    public async Task Files_come_in_order_across_batches_with_null_for_gone_resized_and_skipped_ones_and_all_are_closed_when_the_part_ends_early()
    {
        var storage = new LocalFolderClipStorage(Options.Create(new StorageOptions { Root = _root }));
        var files = new List<(string Key, long Size)?>();
        Assert.True(FilesOpenedAhead.Ahead < 200, "the test takes more files than are opened ahead");
        for (var i = 0; i < 400; i++)
        {
            var key = $"g/c/{i}.mp4";
            await storage.PutAsync(key, new MemoryStream(new byte[10 + i]), 1 << 20, CancellationToken.None);
            files.Add(i switch
            {
                3 => null,                 // no CRC-32 recorded: the reading way
                5 => (key, 999),           // its row says another size
                7 => ("g/c/gone.mp4", 10), // deleted since it was listed
                _ => (key, 10 + i),
            });
        }

        var taken = new List<Microsoft.Win32.SafeHandles.SafeFileHandle>();
        await using (var ahead = new FilesOpenedAhead(storage))
        {
            ahead.Add(files[..150]);
            ahead.Add(files[150..]);
            for (var i = 0; i < 200; i++)
            {
                var file = await ahead.NextAsync(CancellationToken.None);
                if (i is 3 or 5 or 7)
                {
                    Assert.Null(file);
                    continue;
                }

                Assert.NotNull(file);
                Assert.Equal(10 + i, RandomAccess.GetLength(file));
                taken.Add(file);
                ahead.Done(file);
            }

            // Files the part never reached are open and waiting, at most FilesOpenedAhead.Ahead of them (each is a
            // descriptor); those taken are closed on the opening thread, a few of them perhaps not yet.
            await Task.Delay(200);
            Assert.InRange(OpenHere(), 1, FilesOpenedAhead.Ahead + 16);
        }

        Assert.All(taken, file => Assert.True(file.IsClosed));
        if (OperatingSystem.IsLinux())
        {
            Assert.Equal(0, OpenHere());
        }
    }
}

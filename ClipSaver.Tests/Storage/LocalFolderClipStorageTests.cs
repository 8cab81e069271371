namespace ClipSaver.Tests.Storage;

public sealed class LocalFolderClipStorageTests : ClipStorageContract
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "clipsaver-storage-" + Guid.NewGuid().ToString("N"));

    public override Task InitializeAsync()
    {
        Storage = new LocalFolderClipStorage(Options.Create(new StorageOptions { Root = _root }));
        return Task.CompletedTask;
    }

    public override Task DisposeAsync()
    {
        // The storage creates its folder on first write; a test that never wrote leaves none.
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }

        return Task.CompletedTask;
    }

    /// <summary>Temporary files: what a write leaves while it runs, and must not leave after it.</summary>
    protected override Task<IReadOnlyList<string>> LeftoversAsync()
    {
        var temp = Path.Combine(_root, ".tmp");
        return Task.FromResult<IReadOnlyList<string>>(Directory.Exists(temp) ? Directory.EnumerateFiles(temp).ToList() : []);
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
            var deleted = await Storage.DeleteAbandonedTemporaryFilesAsync(TimeSpan.FromMinutes(1), CancellationToken.None);

            Assert.Equal(1, deleted);
            Assert.False(File.Exists(abandoned));
            Assert.True(File.Exists(young));
            Assert.True(File.Exists(held));
        }

        Assert.Equal(1, await Storage.DeleteAbandonedTemporaryFilesAsync(TimeSpan.FromMinutes(1), CancellationToken.None)); // its writer died
        Assert.False(File.Exists(held));
        Assert.True(File.Exists(young));
    }
}

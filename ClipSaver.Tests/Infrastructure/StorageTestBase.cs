namespace ClipSaver.Tests.Infrastructure;

/// <summary>
/// A test class on a fresh database and a clip storage that each subclass makes: a local folder
/// (<see cref="DatabaseTestBase.LocalFolderStorage"/>) or an S3-protocol bucket, so that every test runs on both.
/// </summary>
public abstract class StorageTestBase(DateTimeOffset? now = null) : DatabaseTestBase(now)
{
    protected IClipStorage Storage { get; private set; } = null!;

    protected abstract Task<IClipStorage> CreateStorageAsync();

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Storage = await CreateStorageAsync();
    }
}

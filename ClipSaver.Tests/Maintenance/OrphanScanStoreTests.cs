namespace ClipSaver.Tests.Maintenance;

/// <summary>Every orphan scan test with the clips' files in a local folder.</summary>
public sealed class OrphanScanOnLocalFolderTests : OrphanScanTests
{
    private string _root = null!;

    protected override Task<IClipStorage> CreateStorageAsync()
    {
        _root = Directory.CreateTempSubdirectory("clipsaver-orphans-").FullName;
        return Task.FromResult<IClipStorage>(new LocalFolderClipStorage(new StaticMonitor<StorageOptions>(new StorageOptions { Root = _root })));
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }
}

/// <summary>Every orphan scan test again, with the clips' files in an S3-compatible bucket.</summary>
public sealed class OrphanScanOnS3Tests : OrphanScanTests
{
    protected override async Task<IClipStorage> CreateStorageAsync() => TestS3Server.CreateStorage(await TestS3Server.CreateBucketAsync());
}

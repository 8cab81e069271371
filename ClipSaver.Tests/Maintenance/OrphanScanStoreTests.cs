namespace ClipSaver.Tests.Maintenance;

/// <summary>Every orphan scan test with the clips' files in a local folder.</summary>
public sealed class OrphanScanOnLocalFolderTests : OrphanScanTests
{
    protected override Task<IClipStorage> CreateStorageAsync() => Task.FromResult(LocalFolderStorage("clipsaver-orphans-"));
}

/// <summary>Every orphan scan test again, with the clips' files in an S3-compatible bucket.</summary>
public sealed class OrphanScanOnS3Tests : OrphanScanTests
{
    protected override async Task<IClipStorage> CreateStorageAsync() => TestS3Server.CreateStorage(await TestS3Server.CreateBucketAsync());
}

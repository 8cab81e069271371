namespace ClipSaver.Tests.Purging;

/// <summary>Every purge job test again, with the clips' files in an S3-compatible bucket.</summary>
public sealed class PurgeJobOnS3Tests : PurgeJobTests
{
    protected override bool OnS3 => true;
}

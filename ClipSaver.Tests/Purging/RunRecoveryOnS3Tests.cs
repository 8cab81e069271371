namespace ClipSaver.Tests.Purging;

/// <summary>Every recovery test again, with the clips' files in an S3-compatible bucket.</summary>
public sealed class RunRecoveryOnS3Tests : RunRecoveryTests
{
    protected override bool OnS3 => true;
}

namespace ClipSaver.Tests.Exports;

/// <summary>Every export test again, with the clips' files and the export's parts in an S3-compatible bucket.</summary>
public sealed class ExportOnS3Tests : ExportTests
{
    protected override bool OnS3 => true;
}

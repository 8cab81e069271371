using System.Text.RegularExpressions;

namespace ClipSaver.Core.Storage;

/// <summary>
/// The <c>ClipSaver:Storage:S3</c> section. Credentials come from <see cref="AccessKey"/> and <see cref="SecretKey"/>
/// or, when both are left out, from the SDK's usual sources (<c>AWS_ACCESS_KEY_ID</c>, <c>AWS_SECRET_ACCESS_KEY</c>,
/// profiles, instance roles). Neither is ever logged nor named with its value in a message.
/// </summary>
public sealed partial class S3StorageOptions
{
    public const long MinPartSizeBytes = 5L * 1024 * 1024;
    public const long MaxPartSizeBytes = 512L * 1024 * 1024;

    /// <summary>The store's address (MinIO, R2, B2, Ceph…); left out for AWS S3 itself.</summary>
    public string? ServiceUrl { get; set; }

    public string? Bucket { get; set; }

    /// <summary>The region that requests are signed for; <c>us-east-1</c> suits most S3-compatible stores.</summary>
    public string Region { get; set; } = "us-east-1";

    /// <summary>Path-style addresses (<c>host/bucket/key</c>), which MinIO and most self-hosted stores need.</summary>
    public bool ForcePathStyle { get; set; } = true;

    public string? AccessKey { get; set; }

    public string? SecretKey { get; set; }

    /// <summary>Files larger than one part go up as a multipart upload, one part in memory at a time.</summary>
    public long PartSizeBytes { get; set; } = 8L * 1024 * 1024;

    /// <summary>
    /// A multipart upload started longer ago than this and never completed belongs to a writer that died; the
    /// recovery dispatcher aborts it. Far longer than any clip takes to upload.
    /// </summary>
    public TimeSpan AbandonedUploadAfter { get; set; } = TimeSpan.FromHours(1);

    public bool HasStaticCredentials => !string.IsNullOrEmpty(AccessKey);

    public IEnumerable<ValidationResult> Validate()
    {
        if (string.IsNullOrWhiteSpace(Bucket) || !BucketName().IsMatch(Bucket))
        {
            yield return new ValidationResult("A bucket name is needed: 3 to 63 lower-case letters, digits, '.' and '-'.", [nameof(Bucket)]);
        }

        if (ServiceUrl is not null && (!Uri.TryCreate(ServiceUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https")))
        {
            yield return new ValidationResult("The service address must be an absolute http(s) address, e.g. http://minio:9000.", [nameof(ServiceUrl)]);
        }

        if (string.IsNullOrWhiteSpace(Region))
        {
            yield return new ValidationResult("A region is needed (us-east-1 suits most S3-compatible stores).", [nameof(Region)]);
        }

        if (string.IsNullOrEmpty(AccessKey) != string.IsNullOrEmpty(SecretKey))
        {
            yield return new ValidationResult("Give both the access key and the secret key, or neither (then the SDK's environment variables are used).", [nameof(AccessKey), nameof(SecretKey)]);
        }

        if (PartSizeBytes is < MinPartSizeBytes or > MaxPartSizeBytes)
        {
            yield return new ValidationResult($"The part size must be between {MinPartSizeBytes} and {MaxPartSizeBytes} bytes.", [nameof(PartSizeBytes)]);
        }

        if (AbandonedUploadAfter < TimeSpan.FromMinutes(10))
        {
            yield return new ValidationResult("Uploads must be given at least 10 minutes before they count as abandoned.", [nameof(AbandonedUploadAfter)]);
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
    private static partial Regex BucketName();
}

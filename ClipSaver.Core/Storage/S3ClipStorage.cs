using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Amazon.S3;
using Amazon.S3.Model;

namespace ClipSaver.Core.Storage;

/// <summary>
/// Clip storage in an S3-compatible bucket (decision 019). A file up to one part goes up with one PutObject; a larger
/// one as a multipart upload, one part in memory at a time, completed only when the last byte has arrived and
/// aborted on any failure, so a key holds either a whole object or what it held before. Reads are ranged GETs behind
/// a seekable stream; purges list a prefix and delete 1,000 keys a call.
/// </summary>
public sealed partial class S3ClipStorage(IAmazonS3 s3, S3StorageOptions options, ILogger<S3ClipStorage> logger) : IClipStorage
{
    /// <summary>Health probes go here; listings leave it out.</summary>
    internal const string ProbePrefix = ".health/";

    private const int DeleteBatch = 1000;
    private readonly string _bucket = options.Bucket!;

    public async Task<StoredFile> PutAsync(string key, Stream content, long maxBytes, CancellationToken cancellationToken)
    {
        using var checksums = new FileChecksums();
        var size = await UploadAsync(key, content, maxBytes, checksums, readAhead: false, cancellationToken);
        return checksums.ToStoredFile(key, size);
    }

    public Task<long> PutWithoutChecksumAsync(string key, PipeReader content, long maxBytes, CancellationToken cancellationToken) =>
        UploadAsync(key, content.AsStream(leaveOpen: true), maxBytes, checksums: null, readAhead: true, cancellationToken);

    public async Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken)
    {
        var info = await GetInfoAsync(key, cancellationToken);
        return info is null ? null : new S3RangeReadStream(s3, _bucket, key, info.SizeBytes);
    }

    public async Task<Stream?> OpenSequentialReadAsync(string key, CancellationToken cancellationToken)
    {
        CheckKey(key);
        try
        {
            var response = await s3.GetObjectAsync(_bucket, key, cancellationToken);
            return new ResponseBodyStream(response);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task<StoredObject?> GetInfoAsync(string key, CancellationToken cancellationToken)
    {
        CheckKey(key);
        try
        {
            var head = await s3.GetObjectMetadataAsync(_bucket, key, cancellationToken);
            return new StoredObject(key, head.ContentLength, ToOffset(head.LastModified));
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task<bool> DeleteAsync(string key, CancellationToken cancellationToken)
    {
        // S3 answers 204 for a missing key too; the answer must say whether a file went (a purge counts them).
        if (await GetInfoAsync(key, cancellationToken) is null)
        {
            return false;
        }

        await s3.DeleteObjectAsync(_bucket, key, cancellationToken);
        return true;
    }

    public async IAsyncEnumerable<StoredObject> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var page in ListPagesAsync(prefix, cancellationToken))
        {
            foreach (var item in page)
            {
                yield return item;
            }
        }
    }

    public async Task<(long Files, long Bytes)> DeleteByPrefixAsync(string prefix, CancellationToken cancellationToken)
    {
        long files = 0, bytes = 0;
        await foreach (var page in ListPagesAsync(prefix, cancellationToken))
        {
            foreach (var batch in page.Chunk(DeleteBatch))
            {
                var response = await s3.DeleteObjectsAsync(new DeleteObjectsRequest
                {
                    BucketName = _bucket,
                    Objects = batch.Select(o => new KeyVersion { Key = o.Key }).ToList(),
                    Quiet = true,
                }, cancellationToken);
                if (response.DeleteErrors is { Count: > 0 } errors)
                {
                    throw new IOException($"The store refused to delete {errors.Count} of {batch.Length} objects; the first, {errors[0].Key}: {errors[0].Code}.");
                }

                files += batch.Length;
                bytes += batch.Sum(o => o.SizeBytes);
            }
        }

        return (files, bytes);
    }

    /// <summary>
    /// Aborts multipart uploads that were started longer ago than the larger of <paramref name="olderThan"/> and
    /// <c>AbandonedUploadAfter</c>: an object store cannot say whether the writer still lives, so only the age tells.
    /// </summary>
    public async Task<int> DeleteAbandonedTemporaryFilesAsync(TimeSpan olderThan, CancellationToken cancellationToken)
    {
        var cutoff = DateTimeOffset.UtcNow - (olderThan > options.AbandonedUploadAfter ? olderThan : options.AbandonedUploadAfter);
        var aborted = 0;
        string? keyMarker = null, uploadMarker = null;
        do
        {
            var page = await s3.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = _bucket, KeyMarker = keyMarker, UploadIdMarker = uploadMarker }, cancellationToken);
            foreach (var upload in page.MultipartUploads ?? [])
            {
                if (upload.Initiated is { } started && ToOffset(started) < cutoff)
                {
                    await s3.AbortMultipartUploadAsync(_bucket, upload.Key, upload.UploadId, cancellationToken);
                    aborted++;
                }
            }

            (keyMarker, uploadMarker) = page.IsTruncated == true ? (page.NextKeyMarker, page.NextUploadIdMarker) : (null, null);
        }
        while (keyMarker is not null);

        return aborted;
    }

    public Task<StorageHealth> CheckHealthAsync(CancellationToken cancellationToken) => S3HealthProbe.RunAsync(s3, _bucket, cancellationToken);

    private async IAsyncEnumerable<IReadOnlyList<StoredObject>> ListPagesAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (!ClipStorageKeys.IsValidPrefix(prefix))
        {
            throw new ArgumentException($"'{prefix}' is not a valid storage prefix.", nameof(prefix));
        }

        string? token = null;
        do
        {
            var page = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = _bucket, Prefix = prefix, ContinuationToken = token, MaxKeys = DeleteBatch }, cancellationToken);
            yield return (page.S3Objects ?? [])
                .Where(o => !o.Key.StartsWith(ProbePrefix, StringComparison.Ordinal))
                .Select(o => new StoredObject(o.Key, o.Size ?? 0, ToOffset(o.LastModified)))
                .ToList();
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
    }

    private static DateTimeOffset ToOffset(DateTime? time) =>
        time is { } t ? new DateTimeOffset(t.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : t.ToUniversalTime(), TimeSpan.Zero) : DateTimeOffset.MinValue;

    private static void CheckKey(string key)
    {
        if (!ClipStorageKeys.IsValid(key))
        {
            throw new ArgumentException($"'{key}' is not a valid storage key.", nameof(key));
        }
    }
}

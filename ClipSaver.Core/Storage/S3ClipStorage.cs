using System.Buffers;
using System.Net;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;

namespace ClipSaver.Core.Storage;

/// <summary>
/// Clip storage in an S3-compatible bucket (decision 019). A file up to one part goes up with one PutObject; a larger
/// one as a multipart upload, one part in memory at a time, completed only when the last byte has arrived and
/// aborted on any failure, so a key holds either a whole object or what it held before. Reads are ranged GETs behind
/// a seekable stream; purges list a prefix and delete 1,000 keys a call.
/// </summary>
public sealed class S3ClipStorage(IAmazonS3 s3, S3StorageOptions options, ILogger<S3ClipStorage> logger) : IClipStorage
{
    /// <summary>Health probes go here; listings leave it out.</summary>
    internal const string ProbePrefix = ".health/";

    private const int DeleteBatch = 1000;
    private readonly string _bucket = options.Bucket!;

    public async Task<StoredFile> PutAsync(string key, Stream content, long maxBytes, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var size = await UploadAsync(key, content, maxBytes, hash, readAhead: false, cancellationToken);
        return new StoredFile(key, size, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    public Task<long> PutWithoutChecksumAsync(string key, Stream content, long maxBytes, CancellationToken cancellationToken) =>
        UploadAsync(key, content, maxBytes, hash: null, readAhead: true, cancellationToken);

    /// <summary>
    /// One PutObject for a file within one part; otherwise a multipart upload. With <paramref name="readAhead"/> the
    /// next part is read while the previous one goes up (two part buffers), so a large file streams at the slower of
    /// the two speeds rather than their sum: for an export's parts, one export at a time per user. Clips, which many
    /// downloads write at once, keep one part buffer each (decision 019).
    /// </summary>
    private async Task<long> UploadAsync(string key, Stream content, long maxBytes, IncrementalHash? hash, bool readAhead, CancellationToken cancellationToken)
    {
        CheckKey(key);
        var partSize = (int)options.PartSizeBytes;
        // The second buffer only once a file needs more than one part.
        var buffers = new byte[]?[2];
        string? uploadId = null;
        Task<PartETag>? uploading = null;
        try
        {
            var parts = new List<PartETag>();
            long total = 0;
            for (var turn = 0; ; turn++)
            {
                var buffer = buffers[readAhead ? turn % 2 : 0] ??= ArrayPool<byte>.Shared.Rent(partSize);
                var filled = await FillAsync(content, buffer, partSize, cancellationToken);
                total += filled;
                if (total > maxBytes)
                {
                    throw new ClipTooLargeException(maxBytes);
                }

                hash?.AppendData(buffer, 0, filled);
                var last = filled < partSize;
                if (last && uploadId is null)
                {
                    await s3.PutObjectAsync(new PutObjectRequest
                    {
                        BucketName = _bucket,
                        Key = key,
                        InputStream = new MemoryStream(buffer, 0, filled, writable: false),
                        AutoCloseStream = false,
                        // The body is in memory, so its hash signs the request; aws-chunked framing is not understood
                        // by every S3-compatible store.
                        UseChunkEncoding = false,
                    }, cancellationToken);
                    return total;
                }

                uploadId ??= (await s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = _bucket, Key = key }, cancellationToken)).UploadId;
                if (uploading is not null)
                {
                    parts.Add(await uploading);
                    uploading = null;
                }

                if (filled > 0 || parts.Count == 0)
                {
                    uploading = UploadPartAsync(key, uploadId, parts.Count + 1, buffer, filled, cancellationToken);
                    if (!readAhead)
                    {
                        parts.Add(await uploading);
                        uploading = null;
                    }
                }

                if (last)
                {
                    if (uploading is not null)
                    {
                        parts.Add(await uploading);
                        uploading = null;
                    }

                    await s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest { BucketName = _bucket, Key = key, UploadId = uploadId, PartETags = parts }, cancellationToken);
                    uploadId = null;
                    return total;
                }
            }
        }
        finally
        {
            if (uploading is not null)
            {
                // Its buffer goes back to the pool only once nothing reads it any more.
                await ((Task)uploading).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            foreach (var buffer in buffers)
            {
                if (buffer is not null)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
            if (uploadId is not null)
            {
                await AbortQuietlyAsync(key, uploadId);
            }
        }
    }

    private async Task<PartETag> UploadPartAsync(string key, string uploadId, int number, byte[] buffer, int filled, CancellationToken cancellationToken)
    {
        var part = await s3.UploadPartAsync(new UploadPartRequest
        {
            BucketName = _bucket,
            Key = key,
            UploadId = uploadId,
            PartNumber = number,
            InputStream = new MemoryStream(buffer, 0, filled, writable: false),
            PartSize = filled,
            UseChunkEncoding = false,
        }, cancellationToken);
        return new PartETag(number, part.ETag);
    }

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

    private static async Task<int> FillAsync(Stream content, byte[] buffer, int size, CancellationToken cancellationToken)
    {
        var filled = 0;
        int read;
        while (filled < size && (read = await content.ReadAsync(buffer.AsMemory(filled, size - filled), cancellationToken)) > 0)
        {
            filled += read;
        }

        return filled;
    }

    private async Task AbortQuietlyAsync(string key, string uploadId)
    {
        try
        {
            // Not the caller's token: a cancelled download must still clean up its parts.
            await s3.AbortMultipartUploadAsync(_bucket, key, uploadId, CancellationToken.None);
        }
        catch (Exception e) when (e is AmazonS3Exception or HttpRequestException or IOException or OperationCanceledException)
        {
            // The recovery dispatcher aborts it later (DeleteAbandonedTemporaryFilesAsync).
            S3Log.AbortFailed(logger, key, e.Message);
        }
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

/// <summary>An object's body that releases its response (and connection) when disposed.</summary>
internal sealed class ResponseBodyStream(GetObjectResponse response) : Stream
{
    private readonly Stream _body = response.ResponseStream;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => response.ContentLength;
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => _body.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _body.ReadAsync(buffer, offset, count, cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => _body.Read(buffer, offset, count);

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _body.Dispose();
            response.Dispose();
        }

        base.Dispose(disposing);
    }
}

internal static partial class S3Log
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not abort the multipart upload of {Key}; it is aborted later as abandoned: {Reason}")]
    public static partial void AbortFailed(ILogger logger, string key, string reason);
}

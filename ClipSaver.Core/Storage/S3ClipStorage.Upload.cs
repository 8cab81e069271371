using System.Buffers;
using System.Runtime.CompilerServices;
using Amazon.S3;
using Amazon.S3.Model;

namespace ClipSaver.Core.Storage;

/// <summary>The upload side of <see cref="S3ClipStorage"/>: one PutObject or a multipart upload, completed or aborted.</summary>
public sealed partial class S3ClipStorage
{
    /// <summary>
    /// Part buffers, pooled apart from the shared array pool: that one keeps a returned array in the returning
    /// thread's own slot, so 8 MiB buffers rented and returned on different thread-pool threads piled up, one per
    /// thread (the app grew by 8 MiB with each export on S3). Here at most four wait for reuse (decision 027).
    /// </summary>
    private static readonly ArrayPool<byte> PartBuffers = ArrayPool<byte>.Create((int)S3StorageOptions.MaxPartSizeBytes, maxArraysPerBucket: 4);

    /// <summary>
    /// One PutObject for a file within one part; otherwise a multipart upload. With <paramref name="readAhead"/> the
    /// next part is read while the previous one goes up (two part buffers), so a large file streams at the slower of
    /// the two speeds rather than their sum: for an export's parts, one export at a time per user. Clips, which many
    /// downloads write at once, keep one part buffer each (decision 019).
    /// </summary>
    private async Task<long> UploadAsync(string key, Stream content, long maxBytes, FileChecksums? checksums, bool readAhead, CancellationToken cancellationToken)
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
                var buffer = buffers[readAhead ? turn % 2 : 0] ??= PartBuffers.Rent(partSize);
                var filled = await FillAsync(content, buffer, partSize, cancellationToken);
                total += filled;
                if (total > maxBytes)
                {
                    throw new ClipTooLargeException(maxBytes);
                }

                checksums?.Append(buffer.AsSpan(0, filled));
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
                    PartBuffers.Return(buffer);
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
}

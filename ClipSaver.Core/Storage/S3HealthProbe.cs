using Amazon.S3;
using Amazon.S3.Model;

namespace ClipSaver.Core.Storage;

/// <summary>Writes, reads back and deletes a small object, and says in words what failed.</summary>
internal static class S3HealthProbe
{
    public static async Task<StorageHealth> RunAsync(IAmazonS3 s3, string bucket, CancellationToken cancellationToken)
    {
        var key = S3ClipStorage.ProbePrefix + Guid.NewGuid().ToString("N");
        byte[] payload = [0x43, 0x53, 0x01];
        var step = "write to";
        try
        {
            await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, InputStream = new MemoryStream(payload), UseChunkEncoding = false }, cancellationToken);
            step = "read from";
            using (var read = await s3.GetObjectAsync(bucket, key, cancellationToken))
            using (var copy = new MemoryStream())
            {
                await read.ResponseStream.CopyToAsync(copy, cancellationToken);
                if (!copy.ToArray().AsSpan().SequenceEqual(payload))
                {
                    return new StorageHealth(false, $"Bucket {bucket} gave back other bytes than were written to it.");
                }
            }

            step = "delete from";
            await s3.DeleteObjectAsync(bucket, key, cancellationToken);
            return new StorageHealth(true, $"Bucket {bucket} accepts writes, reads and deletes.");
        }
        catch (AmazonS3Exception e)
        {
            return new StorageHealth(false, e.StatusCode switch
            {
                HttpStatusCode.NotFound when e.ErrorCode == "NoSuchBucket" => $"Bucket {bucket} does not exist.",
                HttpStatusCode.Forbidden => $"The store refused to let ClipSaver {step} bucket {bucket} ({e.ErrorCode}): check the credentials and the bucket's policy.",
                _ => $"Could not {step} bucket {bucket}: {(int)e.StatusCode} {e.ErrorCode}.",
            });
        }
        catch (Exception e) when (e is HttpRequestException or IOException or Amazon.Runtime.AmazonClientException or TaskCanceledException)
        {
            return new StorageHealth(false, $"The object store cannot be reached to {step} bucket {bucket}: {e.Message}");
        }
    }
}

using Amazon.S3;
using Amazon.S3.Model;

namespace ClipSaver.Tests.Storage;

/// <summary>The storage contract and the object store's own cases, against a real S3-protocol server.</summary>
public sealed class S3ClipStorageTests : ClipStorageContract
{
    private const int Part = (int)S3StorageOptions.MinPartSizeBytes;
    private S3StorageOptions _options = null!;
    private IAmazonS3 _client = null!;

    public override async Task InitializeAsync()
    {
        _options = await TestS3Server.CreateBucketAsync();
        _client = TestS3Server.CreateClient(_options);
        Storage = TestS3Server.CreateStorage(_options);
    }

    public override Task DisposeAsync()
    {
        _client.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Unfinished multipart uploads and health probes: nothing a reader could ever see.</summary>
    protected override async Task<IReadOnlyList<string>> LeftoversAsync()
    {
        var uploads = await _client.ListMultipartUploadsAsync(_options.Bucket);
        var probes = await _client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = _options.Bucket, Prefix = ".health/" });
        return [.. (uploads.MultipartUploads ?? []).Select(u => "upload " + u.Key), .. (probes.S3Objects ?? []).Select(o => o.Key)];
    }

    [Fact]
    public async Task A_file_larger_than_a_part_goes_up_in_parts_and_reads_back_whole_with_its_checksums()
    {
        var bytes = RandomNumberGenerator.GetBytes((2 * Part) + 12345);

        var stored = await Storage.PutAsync("1/2/3.mp4", new TrickleStream(bytes), 100_000_000, CancellationToken.None);

        await AssertStoredWholeAsync("1/2/3.mp4", bytes, stored);
        Assert.Empty(await LeftoversAsync());
    }

    [Fact]
    public async Task A_file_of_exactly_two_parts_reports_the_checksums_of_both()
    {
        // The upload learns that the second part was the last only from an empty read after it: that read must add
        // nothing to the checksums, and the second part must not be left out of them.
        var bytes = RandomNumberGenerator.GetBytes(2 * Part);

        var stored = await Storage.PutAsync("1/2/3.mp4", new MemoryStream(bytes), 100_000_000, CancellationToken.None);

        await AssertStoredWholeAsync("1/2/3.mp4", bytes, stored);
        Assert.Empty(await LeftoversAsync());
    }

    [Fact]
    public async Task A_multipart_upload_over_the_limit_is_aborted_and_no_object_appears()
    {
        var bytes = new byte[(3 * Part) + 1];

        await Assert.ThrowsAsync<ClipTooLargeException>(() => Storage.PutAsync("1/2/3.mp4", new MemoryStream(bytes), (2 * Part) + 10, CancellationToken.None));

        Assert.Null(await Storage.GetInfoAsync("1/2/3.mp4", CancellationToken.None));
        Assert.Empty(await LeftoversAsync());
    }

    [Fact]
    public async Task A_cancelled_multipart_upload_is_aborted_even_though_its_token_is_cancelled()
    {
        using var cancel = new CancellationTokenSource();
        var stream = new TrickleStream(new byte[3 * Part], afterBytes: (2 * Part) + 100, onPassing: cancel.Cancel);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Storage.PutAsync("1/2/3.mp4", stream, long.MaxValue, cancel.Token));

        Assert.Null(await Storage.GetInfoAsync("1/2/3.mp4", CancellationToken.None));
        Assert.Empty(await LeftoversAsync());
    }

    [Fact]
    public async Task A_purge_of_more_than_a_thousand_objects_deletes_them_page_by_page_and_touches_nothing_else()
    {
        await Parallel.ForAsync(0, 1050, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
            await Storage.PutAsync($"1/10/{i}.mp4", new MemoryStream([1, 2]), 10, ct));
        await Storage.PutAsync("1/11/9.mp4", new MemoryStream([1]), 10, CancellationToken.None);
        await Storage.PutAsync("1/100/9.mp4", new MemoryStream([1]), 10, CancellationToken.None);

        var (files, bytes) = await Storage.DeleteByPrefixAsync(ClipStorageKeys.ChannelPrefix(1, 10), CancellationToken.None);

        Assert.Equal(1050, files);
        Assert.Equal(2100, bytes);
        Assert.Equal(["1/100/9.mp4", "1/11/9.mp4"], await Storage.ListAsync("1/", CancellationToken.None).Select(o => o.Key).Order(StringComparer.Ordinal).ToListAsync());
    }

    [Fact]
    public async Task Abandoned_multipart_uploads_are_aborted_once_old_enough_and_young_ones_are_kept()
    {
        var started = await _client.InitiateMultipartUploadAsync(_options.Bucket, "1/2/3.mp4");
        await _client.UploadPartAsync(new UploadPartRequest { BucketName = _options.Bucket, Key = "1/2/3.mp4", UploadId = started.UploadId, PartNumber = 1, InputStream = new MemoryStream(new byte[100]) });

        Assert.Equal(0, await Storage.DeleteAbandonedTemporaryFilesAsync(TimeSpan.FromMinutes(1), CancellationToken.None));
        Assert.Single(await LeftoversAsync());

        var impatient = TestS3Server.CreateStorage(new S3StorageOptions
        {
            ServiceUrl = _options.ServiceUrl,
            Bucket = _options.Bucket,
            AccessKey = _options.AccessKey,
            SecretKey = _options.SecretKey,
            AbandonedUploadAfter = TimeSpan.Zero,
        });
        Assert.Equal(1, await impatient.DeleteAbandonedTemporaryFilesAsync(TimeSpan.Zero, CancellationToken.None));
        Assert.Empty(await LeftoversAsync());
        Assert.Empty(await Storage.ListAsync("", CancellationToken.None).ToListAsync());
    }

    [Fact]
    public async Task The_health_check_says_in_words_when_the_bucket_is_missing_or_the_store_cannot_be_reached()
    {
        var missing = TestS3Server.CreateStorage(new S3StorageOptions { ServiceUrl = _options.ServiceUrl, Bucket = "no-such-bucket", AccessKey = "S3RVER", SecretKey = "S3RVER" });
        var health = await missing.CheckHealthAsync(CancellationToken.None);
        Assert.False(health.Healthy);
        Assert.Equal("Bucket no-such-bucket does not exist.", health.Description);

        var unreachable = TestS3Server.CreateStorage(new S3StorageOptions { ServiceUrl = "http://127.0.0.1:9", Bucket = "clips", AccessKey = "S3RVER", SecretKey = "secret-value" });
        var down = await unreachable.CheckHealthAsync(CancellationToken.None);
        Assert.False(down.Healthy);
        Assert.StartsWith("The object store cannot be reached to write to bucket clips", down.Description, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-value", down.Description, StringComparison.Ordinal);
    }

    /// <summary>A download as the network gives it: small reads, and a hook once a number of bytes went by.</summary>
    private sealed class TrickleStream(byte[] bytes, long afterBytes = long.MaxValue, Action? onPassing = null) : MemoryStream(bytes, writable: false)
    {
        public override int Read(byte[] buffer, int offset, int count)
        {
            if (Position >= afterBytes)
            {
                onPassing?.Invoke();
            }

            return base.Read(buffer, offset, Math.Min(count, 64 * 1024));
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (Position >= afterBytes)
            {
                onPassing?.Invoke();
                cancellationToken.ThrowIfCancellationRequested();
            }

            return base.ReadAsync(buffer[..Math.Min(buffer.Length, 64 * 1024)], cancellationToken);
        }
    }
}

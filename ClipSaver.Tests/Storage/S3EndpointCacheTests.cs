using Amazon.S3;
using Amazon.S3.Endpoints;
using Amazon.S3.Internal;
using Amazon.S3.Model;

namespace ClipSaver.Tests.Storage;

/// <summary>The SDK's S3 endpoint rules run once per bucket and settings, not once per request (decision 029).</summary>
public sealed class S3EndpointCacheTests
{
    [Fact]
    public async Task The_app_s_client_runs_the_endpoint_rules_a_few_times_for_many_requests_on_many_keys()
    {
        var options = await TestS3Server.CreateBucketAsync();
        using var client = ClipStorageSetup.CreateClient(options);
        var cache = Assert.IsType<S3EndpointCache>(client.Config.EndpointProvider);
        var storage = new S3ClipStorage(client, options, NullLogger<S3ClipStorage>.Instance);

        for (var i = 0; i < 20; i++)
        {
            var key = $"1/2/{i}.mp4";
            await storage.PutAsync(key, new MemoryStream([(byte)i, 1, 2]), 10, CancellationToken.None);
            await using var read = await storage.OpenSequentialReadAsync(key, CancellationToken.None);
            Assert.Equal((byte)i, (byte)read!.ReadByte());
            Assert.Equal(3, (await storage.GetInfoAsync(key, CancellationToken.None))!.SizeBytes);
        }

        Assert.Equal(20, await storage.ListAsync("1/", CancellationToken.None).CountAsync());
        // 20 puts, 20 reads, 20 heads and a listing: one set of parameters per kind of request at most.
        Assert.InRange(cache.RulesRun, 1, 4);
    }

    [Theory]
    [InlineData("http://127.0.0.1:9000", true)]
    [InlineData("https://minio.example.org/store", true)]
    [InlineData("https://s3.example.org", false)]
    [InlineData(null, false)]
    public void Each_request_gets_what_the_rules_give_and_a_copy_of_its_own(string? serviceUrl, bool pathStyle)
    {
        var rules = new AmazonS3EndpointProvider();
        var cache = new S3EndpointCache(rules);
        foreach (var (bucket, key) in new[] { ("clips", "1/2/3.mp4"), ("clips", "4/5/6.mp4"), ("exports", "7/8.zip"), ("clips", (string?)null) })
        {
            var parameters = Parameters(serviceUrl, pathStyle, bucket, key);
            var expected = rules.ResolveEndpoint(Parameters(serviceUrl, pathStyle, bucket, key));

            var first = cache.ResolveEndpoint(parameters);
            first.URL += "/"; // the SDK does this to the address of a request without a resource path
            var second = cache.ResolveEndpoint(Parameters(serviceUrl, pathStyle, bucket, key));

            Assert.Equal(expected.URL, second.URL);
            var scheme = Assert.IsType<List<object>>(second.Attributes["authSchemes"]).Cast<Amazon.Runtime.Endpoints.PropertyBag>().Single();
            var expectedScheme = ((List<object>)expected.Attributes["authSchemes"]).Cast<Amazon.Runtime.Endpoints.PropertyBag>().Single();
            Assert.Equal(expectedScheme["signingName"], scheme["signingName"]);
            Assert.Equal(expectedScheme["signingRegion"], scheme["signingRegion"]);
            Assert.Equal(expectedScheme["disableDoubleEncoding"], scheme["disableDoubleEncoding"]);
        }

        // Two buckets: the rules ran twice, whatever the keys.
        Assert.Equal(2, cache.RulesRun);
    }

    [Fact]
    public void The_object_s_key_prefix_and_copy_source_are_the_only_parameters_left_out_of_the_cache_key()
    {
        var all = typeof(S3EndpointParameters).GetProperties().Where(p => p.GetIndexParameters().Length == 0).Select(p => p.Name).ToHashSet();

        Assert.Equal(["CopySource", "Key", "Prefix"], all.Except(S3EndpointCache.KeyedParameters).Order(StringComparer.Ordinal));
        Assert.Contains("Bucket", S3EndpointCache.KeyedParameters);
        Assert.Contains("Endpoint", S3EndpointCache.KeyedParameters);
        Assert.Contains("ForcePathStyle", S3EndpointCache.KeyedParameters);
        Assert.Contains("Region", S3EndpointCache.KeyedParameters);
    }

    [Fact]
    public void A_configuration_the_rules_refuse_is_refused_every_time()
    {
        var cache = new S3EndpointCache(new AmazonS3EndpointProvider());
        var parameters = Parameters("http://127.0.0.1:9000", pathStyle: true, "clips", "1/2/3.mp4");
        parameters.UseFIPS = true; // a custom endpoint cannot be combined with FIPS

        Assert.Throws<Amazon.Runtime.AmazonClientException>(() => cache.ResolveEndpoint(parameters));
        Assert.Throws<Amazon.Runtime.AmazonClientException>(() => cache.ResolveEndpoint(parameters));
        Assert.Equal(2, cache.RulesRun);
    }

    private static S3EndpointParameters Parameters(string? serviceUrl, bool pathStyle, string bucket, string? key) => new()
    {
        Bucket = bucket,
        Key = key,
        Region = "us-east-1",
        Endpoint = serviceUrl,
        ForcePathStyle = pathStyle,
        UseFIPS = false,
        UseDualStack = false,
        Accelerate = false,
        UseGlobalEndpoint = false,
        DisableMultiRegionAccessPoints = false,
    };
}

namespace ClipSaver.Tests.Storage;

/// <summary>The whole app with <c>ClipSaver:Storage:Kind = S3</c>: the player's range requests, health, a guild's clips.</summary>
public sealed class S3AppTests : ClipClubTestBase
{
    private const long Operator = 555000000000000001;
    private S3StorageOptions _bucket = null!;

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>(TestS3Server.AppSettings(_bucket))
    {
        ["ClipSaver:Operators:0"] = Operator.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    public override async Task InitializeAsync()
    {
        _bucket = await TestS3Server.CreateBucketAsync();
        await base.InitializeAsync();
    }

    [Fact]
    public async Task The_player_gets_a_clip_from_the_bucket_whole_and_by_range_after_the_access_check()
    {
        var bytes = RandomNumberGenerator.GetBytes(50_000);
        await using var db = Db.CreateContext();
        var author = TestDiscord.Id(DemoUsers.Owner.Id);
        db.Users.Add(new User { Id = author, Username = "owner", CreatedAt = DateTimeOffset.UtcNow });
        var clip = TestData.Clip(GuildId, ChannelId, author, "clip.mp4", bytes.Length, DateTimeOffset.UtcNow, contentType: "video/mp4");
        db.Clips.Add(clip);
        await db.SaveChangesAsync();
        var key = ClipStorageKeys.ForAttachment(GuildId, ChannelId, clip.Id, "clip.mp4");
        await RunAsync<IClipStorage>(s => s.PutAsync(key, new MemoryStream(bytes), bytes.Length, CancellationToken.None));
        await db.Clips.Where(c => c.Id == clip.Id).ExecuteUpdateAsync(s => s.SetProperty(c => c.StorageKey, key));
        Assert.IsType<S3ClipStorage>(App.Services.GetRequiredService<IClipStorage>());

        var api = await ApiClientAsync(DemoUsers.Owner.Id);
        Assert.Equal(bytes, await api.GetByteArrayAsync($"/api/guilds/{GuildId}/clips/{clip.Id}/file"));
        using var ranged = new HttpRequestMessage(HttpMethod.Get, $"/api/guilds/{GuildId}/clips/{clip.Id}/file");
        ranged.Headers.Range = new RangeHeaderValue(40_000, 40_099);
        var part = await api.SendAsync(ranged);

        Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
        Assert.Equal("bytes 40000-40099/50000", part.Content.Headers.ContentRange?.ToString());
        Assert.Equal(bytes[40_000..40_100], await part.Content.ReadAsByteArrayAsync());
        var player = App.CreateClientAs(TestDiscord.Id(DemoUsers.Member.Id));
        Assert.Equal(HttpStatusCode.NotFound, (await player.GetAsync($"/guilds/{GuildId}/clips/file?clipId={clip.Id}")).StatusCode);
    }

    [Fact]
    public async Task Readiness_probes_the_bucket_and_names_it_to_operators_without_the_credentials()
    {
        var ready = await App.CreateClientAs(Operator).GetStringAsync("/health/ready");

        var storage = JsonDocument.Parse(ready).RootElement.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "storage");
        Assert.Equal("Healthy", storage.GetProperty("status").GetString());
        Assert.Equal($"Bucket {_bucket.Bucket} accepts writes, reads and deletes.", storage.GetProperty("description").GetString());
        Assert.DoesNotContain(TestS3Server.SecretKey, ready, StringComparison.Ordinal);
    }
}

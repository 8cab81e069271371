using ClipSaver.Core.Thumbnails;

namespace ClipSaver.Tests.Thumbnails;

/// <summary>
/// A clip's poster from the pages and the API: the clip file's access rules (a guild the caller cannot see, or someone
/// else's clip at /me, is a 404), a year's private caching with an entity tag and 304, and the clip's fields in the API.
/// </summary>
public sealed class ThumbnailHttpTests : ClipClubTestBase
{
    /// <summary>A clip of the demo member's with one of the sample videos stored, and its poster made by the job.</summary>
    private async Task<long> ClipWithPosterAsync()
    {
        var author = TestDiscord.Id(DemoUsers.Member.Id);
        var bytes = ThumbnailJobTests.Sample("a.mp4");
        var attachment = TestData.NewId();
        var key = ClipStorageKeys.ForAttachment(GuildId, ChannelId, attachment, "clip.mp4");
        StoredFile stored = null!;
        await RunAsync<IClipStorage>(async s => stored = await s.PutAsync(key, new MemoryStream(bytes), 1 << 20, CancellationToken.None));
        await using var db = Db.CreateContext();
        if (!await db.Users.AnyAsync(u => u.Id == author))
        {
            db.Users.Add(new User { Id = author, Username = "member", CreatedAt = DateTimeOffset.UtcNow });
        }

        var clip = TestData.Clip(GuildId, ChannelId, author, "clip.mp4", bytes.Length, contentType: "video/mp4", storageKey: key, attachmentId: attachment, sha256: stored.Sha256, crc32: stored.Crc32);
        db.Clips.Add(clip);
        await db.SaveChangesAsync();
        await RunAsync<ThumbnailJob>(j => j.RunAsync(CancellationToken.None));
        return clip.Id;
    }

    [Fact]
    public async Task The_poster_is_sent_cached_privately_with_an_entity_tag_and_a_matching_tag_gets_304_from_the_page_and_the_API()
    {
        var clipId = await ClipWithPosterAsync();
        var page = App.CreateClientAs(TestDiscord.Id(DemoUsers.Owner.Id));
        var api = await ApiClientAsync(DemoUsers.Owner.Id);

        foreach (var (client, url) in new[] { (page, $"/guilds/{GuildId}/clips/thumbnail?clipId={clipId}"), (api, $"/api/guilds/{GuildId}/clips/{clipId}/thumbnail") })
        {
            var first = await client.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            Assert.Equal("image/jpeg", first.Content.Headers.ContentType?.MediaType);
            var caching = first.Headers.CacheControl!;
            Assert.True(caching.Private);
            Assert.False(caching.Public);
            Assert.Equal(TimeSpan.FromDays(365), caching.MaxAge);
            Assert.Contains(caching.Extensions, e => e.Name == "immutable");
            var etag = first.Headers.ETag;
            Assert.NotNull(etag);
            Assert.Equal([0xFF, 0xD8, 0xFF], (await first.Content.ReadAsByteArrayAsync())[..3]);

            using var again = new HttpRequestMessage(HttpMethod.Get, url);
            again.Headers.IfNoneMatch.Add(etag);
            var cached = await client.SendAsync(again);
            Assert.Equal(HttpStatusCode.NotModified, cached.StatusCode);
            Assert.Equal(etag, cached.Headers.ETag);
            Assert.Empty(await cached.Content.ReadAsByteArrayAsync());

            using var other = new HttpRequestMessage(HttpMethod.Get, url);
            other.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"something-else\""));
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(other)).StatusCode);
        }
    }

    [Fact]
    public async Task Someone_without_rights_to_the_guild_gets_404_for_the_poster_and_the_author_gets_it_at_me_only()
    {
        var clipId = await ClipWithPosterAsync();
        var member = App.CreateClientAs(TestDiscord.Id(DemoUsers.Member.Id));
        var memberApi = await ApiClientAsync(DemoUsers.Member.Id);

        // The member has no rights in the guild: the guild's routes do not exist for them, even with a tag.
        Assert.Equal(HttpStatusCode.NotFound, (await member.GetAsync($"/guilds/{GuildId}/clips/thumbnail?clipId={clipId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await memberApi.GetAsync($"/api/guilds/{GuildId}/clips/{clipId}/thumbnail")).StatusCode);
        using (var tagged = new HttpRequestMessage(HttpMethod.Get, $"/api/guilds/{GuildId}/clips/{clipId}/thumbnail"))
        {
            tagged.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Any);
            Assert.Equal(HttpStatusCode.NotFound, (await memberApi.SendAsync(tagged)).StatusCode);
        }

        // It is their own clip: "My clips" shows its poster, and nobody else's.
        Assert.Equal(HttpStatusCode.OK, (await member.GetAsync($"/me/thumbnail?clipId={clipId}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await memberApi.GetAsync($"/api/me/clips/{clipId}/thumbnail")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await App.CreateClientAs(TestDiscord.Id(DemoUsers.Owner.Id)).GetAsync($"/me/thumbnail?clipId={clipId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await (await ApiClientAsync(DemoUsers.Owner.Id)).GetAsync($"/api/me/clips/{clipId}/thumbnail")).StatusCode);
    }

    [Fact]
    public async Task The_API_clip_says_its_length_size_and_whether_it_has_a_poster_and_a_clip_without_one_answers_404()
    {
        var clipId = await ClipWithPosterAsync();
        var api = await ApiClientAsync(DemoUsers.Owner.Id);
        await using (var db = Db.CreateContext())
        {
            db.Clips.Add(TestData.Clip(GuildId, ChannelId, TestDiscord.Id(DemoUsers.Member.Id), "link", 0));
            await db.SaveChangesAsync();
        }

        var clip = JsonDocument.Parse(await api.GetStringAsync($"/api/guilds/{GuildId}/clips/{clipId}")).RootElement;
        Assert.InRange(clip.GetProperty("durationMs").GetInt64(), 1900, 2100);
        Assert.Equal(320, clip.GetProperty("width").GetInt32());
        Assert.Equal(180, clip.GetProperty("height").GetInt32());
        Assert.True(clip.GetProperty("hasThumbnail").GetBoolean());
        Assert.Equal("made", clip.GetProperty("thumbnailState").GetString());

        var list = JsonDocument.Parse(await api.GetStringAsync($"/api/guilds/{GuildId}/clips")).RootElement.GetProperty("items");
        var without = list.EnumerateArray().Single(c => c.GetProperty("id").GetString() != clipId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.False(without.GetProperty("hasThumbnail").GetBoolean());
        var missing = await api.GetAsync($"/api/guilds/{GuildId}/clips/{without.GetProperty("id").GetString()}/thumbnail");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
    }
}

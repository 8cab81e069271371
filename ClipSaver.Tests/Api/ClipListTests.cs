using ClipSaver.Core.Clips;

namespace ClipSaver.Tests.Api;

/// <summary>
/// The clip list and a clip's file, from the page and the API: one cursor parser, one content-type rule, the same
/// rights (a member without rights learns nothing).
/// </summary>
public sealed class ClipListTests : ClipClubTestBase
{
    /// <summary>A clip posted <paramref name="minutesAgo"/> minutes ago, with a stored file of three bytes.</summary>
    private async Task<long> ClipAsync(string fileName, string? contentType, int minutesAgo, long size = 3)
    {
        await using var db = Db.CreateContext();
        var author = TestDiscord.Id(DemoUsers.Owner.Id);
        if (!await db.Users.AnyAsync(u => u.Id == author))
        {
            db.Users.Add(new User { Id = author, Username = "owner", CreatedAt = DateTimeOffset.UtcNow });
        }

        var clip = TestData.Clip(GuildId, ChannelId, author, fileName, size, DateTimeOffset.UtcNow.AddMinutes(-minutesAgo), contentType: contentType);
        db.Clips.Add(clip);
        await db.SaveChangesAsync();
        // The channel's counters, as the archive keeps them with every clip it adds.
        await db.Channels.Where(c => c.Id == ChannelId).ExecuteUpdateAsync(s => s.SetProperty(c => c.ClipCount, c => c.ClipCount + 1));
        var key = ClipStorageKeys.ForAttachment(GuildId, ChannelId, clip.Id, fileName);
        await RunAsync<IClipStorage>(s => s.PutAsync(key, new MemoryStream([1, 2, 3]), 100, CancellationToken.None));
        await db.Clips.Where(c => c.Id == clip.Id).ExecuteUpdateAsync(s => s.SetProperty(c => c.StorageKey, key));
        return clip.Id;
    }

    public static TheoryData<string> MalformedCursors => ["abc", "12", "1_2_3", "-1_2", "1_-2", "3155378975999999999_1", "99999999999999999999_1", "_"];

    [Theory]
    [MemberData(nameof(MalformedCursors))]
    public async Task A_malformed_cursor_is_a_400_that_says_so_in_the_page_and_the_API(string cursor)
    {
        await ClipAsync("clip.mp4", "video/mp4", 1);
        var escaped = Uri.EscapeDataString(cursor);

        var page = await App.CreateClientAs(TestDiscord.Id(DemoUsers.Owner.Id)).GetAsync($"/guilds/{GuildId}/clips?After={escaped}");
        var api = await (await ApiClientAsync(DemoUsers.Owner.Id)).GetAsync($"/api/guilds/{GuildId}/clips?cursor={escaped}");

        Assert.Equal(HttpStatusCode.BadRequest, page.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, api.StatusCode);
        Assert.Contains(ClipCursor.Problem, await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(ClipCursor.Problem, JsonDocument.Parse(await api.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task The_API_and_the_page_page_through_the_same_clips_with_the_same_cursor()
    {
        var newest = await ClipAsync("newest.mp4", "video/mp4", 1);
        var middle = await ClipAsync("middle.mp4", "video/mp4", 2);
        var oldest = await ClipAsync("oldest.mp4", "video/mp4", 3);

        var api = await ApiClientAsync(DemoUsers.Owner.Id);
        var first = JsonDocument.Parse(await api.GetStringAsync($"/api/guilds/{GuildId}/clips?limit=2")).RootElement;
        Assert.Equal([newest.ToString(System.Globalization.CultureInfo.InvariantCulture), middle.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            first.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()));
        var cursor = first.GetProperty("nextCursor").GetString()!;
        Assert.Equal("attachment", first.GetProperty("items")[0].GetProperty("source").GetString());

        var second = JsonDocument.Parse(await api.GetStringAsync($"/api/guilds/{GuildId}/clips?limit=2&cursor={cursor}")).RootElement;
        Assert.Equal([oldest.ToString(System.Globalization.CultureInfo.InvariantCulture)], second.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()));
        Assert.Equal(JsonValueKind.Null, second.GetProperty("nextCursor").ValueKind);

        var page = await App.CreateClientAs(TestDiscord.Id(DemoUsers.Owner.Id)).GetStringAsync($"/guilds/{GuildId}/clips?After={cursor}");
        Assert.Contains("oldest.mp4", page, StringComparison.Ordinal);
        Assert.DoesNotContain("middle.mp4", page, StringComparison.Ordinal);
        Assert.DoesNotContain("newest.mp4", page, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("video/webm", "video/webm")]
    [InlineData("text/html", ReadClipFile.Fallback)]
    [InlineData("image/svg+xml", ReadClipFile.Fallback)]
    [InlineData(null, ReadClipFile.Fallback)]
    public async Task A_clip_file_is_sent_with_its_video_type_or_as_bytes_by_the_page_and_the_API(string? stored, string sent)
    {
        var clipId = await ClipAsync("clip.bin", stored, 1);

        var page = await App.CreateClientAs(TestDiscord.Id(DemoUsers.Owner.Id)).GetAsync($"/guilds/{GuildId}/clips/file?clipId={clipId}");
        var api = await (await ApiClientAsync(DemoUsers.Owner.Id)).GetAsync($"/api/guilds/{GuildId}/clips/{clipId}/file");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal(HttpStatusCode.OK, api.StatusCode);
        Assert.Equal(sent, page.Content.Headers.ContentType?.MediaType);
        Assert.Equal(sent, api.Content.Headers.ContentType?.MediaType);
        Assert.Equal([1, 2, 3], await page.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_member_without_rights_can_neither_list_clips_nor_read_a_file()
    {
        var clipId = await ClipAsync("clip.mp4", "video/mp4", 1);
        var member = Actor.User(TestDiscord.Id(DemoUsers.Member.Id));
        ListClipsResult listed = null!;
        ClipFileResult file = null!;

        await RunAsync<ListClips>(async l => listed = await l.ListAsync(member, GuildId, new ClipFilter(), 10, CancellationToken.None));
        await RunAsync<ReadClipFile>(async r => file = await r.OpenAsync(member, GuildId, clipId, CancellationToken.None));

        Assert.IsType<ListClipsResult.UnknownGuild>(listed);
        Assert.Equal("guild", Assert.IsType<ClipFileResult.NotFound>(file).What);
        Assert.Equal(HttpStatusCode.NotFound, (await App.CreateClientAs(TestDiscord.Id(DemoUsers.Member.Id)).GetAsync($"/guilds/{GuildId}/clips/file?clipId={clipId}")).StatusCode);
    }

    [Fact]
    public async Task The_API_and_the_page_sort_by_size_with_their_own_cursor_and_count_the_matches()
    {
        var small = await ClipAsync("small.mp4", "video/mp4", 1, 100);
        var large = await ClipAsync("large.mp4", "video/mp4", 2, 300);
        var medium = await ClipAsync("medium.mp4", "video/mp4", 3, 200);
        static string Id(long id) => id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        static IEnumerable<string?> Ids(JsonElement page) => page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString());

        var api = await ApiClientAsync(DemoUsers.Owner.Id);
        var first = JsonDocument.Parse(await api.GetStringAsync($"/api/guilds/{GuildId}/clips?sort=largest&limit=2")).RootElement;
        Assert.Equal([Id(large), Id(medium)], Ids(first));
        var cursor = first.GetProperty("nextCursor").GetString()!;
        var second = JsonDocument.Parse(await api.GetStringAsync($"/api/guilds/{GuildId}/clips?sort=largest&limit=2&cursor={cursor}")).RootElement;
        Assert.Equal([Id(small)], Ids(second));
        Assert.Equal([Id(small), Id(medium), Id(large)], Ids(JsonDocument.Parse(await api.GetStringAsync($"/api/guilds/{GuildId}/clips?sort=smallest")).RootElement));
        Assert.Equal([Id(medium), Id(large), Id(small)], Ids(JsonDocument.Parse(await api.GetStringAsync($"/api/guilds/{GuildId}/clips?sort=oldest")).RootElement));

        // A cursor belongs to its order; an unknown order is refused.
        Assert.Equal(HttpStatusCode.BadRequest, (await api.GetAsync($"/api/guilds/{GuildId}/clips?cursor={cursor}")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await api.GetAsync($"/api/guilds/{GuildId}/clips?sort=biggest")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await api.GetAsync($"/api/guilds/{GuildId}/clips?sort=7")).StatusCode);

        // The page: the same order, the total, and the position in the load-more address.
        var browser = App.CreateClientAs(TestDiscord.Id(DemoUsers.Owner.Id));
        var html = await browser.GetStringAsync($"/guilds/{GuildId}/clips?Sort=Largest");
        var order = System.Text.RegularExpressions.Regex.Matches(html, $@"href=""/guilds/{GuildId}/clips/(\d+)""").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal([Id(large), Id(medium), Id(small)], order);
        Assert.Contains("3 clips", html, StringComparison.Ordinal);
        var author = TestDiscord.Id(DemoUsers.Owner.Id);
        Assert.Contains("3 clips match", await browser.GetStringAsync($"/guilds/{GuildId}/clips?Author={author}"), StringComparison.Ordinal);
        Assert.Contains("0 clips match", await browser.GetStringAsync($"/guilds/{GuildId}/clips?Author={author}&From={DateTime.UtcNow.AddDays(2):yyyy-MM-dd}"), StringComparison.Ordinal);
        Assert.Contains("3 clips match", await browser.GetStringAsync($"/guilds/{GuildId}/clips?Author={author}&Channel={ChannelId}&From={DateTime.UtcNow.AddDays(-1):yyyy-MM-dd}"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_clip_whose_author_has_no_name_here_says_unknown_member_instead_of_a_question_mark()
    {
        await using var db = Db.CreateContext();
        // An author ClipSaver never recorded (opted out, or never seen in the member list): no users row.
        var clip = TestData.Clip(GuildId, ChannelId, TestData.NewId(), "nameless.mp4", 10, DateTimeOffset.UtcNow);
        db.Clips.Add(clip);
        await db.SaveChangesAsync();
        var browser = App.CreateClientAs(TestDiscord.Id(DemoUsers.Owner.Id));

        var list = await browser.GetStringAsync($"/guilds/{GuildId}/clips");
        var page = await browser.GetStringAsync($"/guilds/{GuildId}/clips/{clip.Id}");

        Assert.Contains(Display.UnknownAuthor, list, StringComparison.Ordinal);
        Assert.Contains(Display.UnknownAuthor, page, StringComparison.Ordinal);
        Assert.DoesNotContain("· ? ·", list, StringComparison.Ordinal);
    }
}

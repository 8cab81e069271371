using ClipSaver.Web.Pages.MyClips;

namespace ClipSaver.Tests.OwnData;

/// <summary>
/// "My clips" over the API and the page: a member without guild rights sees, reads and deletes the clips they posted,
/// and never another author's; the opt-out is stored and reported.
/// </summary>
public sealed class MyClipsApiTests : ClipClubTestBase
{
    private static long MemberId => TestDiscord.Id(DemoUsers.Member.Id);

    private static long OwnerId => TestDiscord.Id(DemoUsers.Owner.Id);

    private async Task<long> ClipAsync(long authorId, string fileName, int minutesAgo)
    {
        await using var db = Db.CreateContext();
        var clip = TestData.Clip(GuildId, ChannelId, authorId, fileName, 3, DateTimeOffset.UtcNow.AddMinutes(-minutesAgo), contentType: "video/mp4");
        db.Clips.Add(clip);
        await db.SaveChangesAsync();
        var key = ClipStorageKeys.ForAttachment(GuildId, ChannelId, clip.Id, fileName);
        await RunAsync<IClipStorage>(s => s.PutAsync(key, new MemoryStream([1, 2, 3]), 100, CancellationToken.None));
        await db.Clips.Where(c => c.Id == clip.Id).ExecuteUpdateAsync(s => s.SetProperty(c => c.StorageKey, key));
        await db.Channels.Where(c => c.Id == ChannelId).ExecuteUpdateAsync(s => s.SetProperty(c => c.ClipCount, c => c.ClipCount + 1).SetProperty(c => c.ClipBytes, c => c.ClipBytes + 3));
        return clip.Id;
    }

    private static string Id(long id) => id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_member_without_rights_sees_exactly_their_own_clips_newest_first_in_the_API_and_on_the_page()
    {
        var member = await ApiClientAsync(DemoUsers.Member.Id);
        await ApiClientAsync(DemoUsers.Owner.Id);
        var newest = await ClipAsync(MemberId, "mine-new.mp4", 1);
        await ClipAsync(OwnerId, "owners.mp4", 2);
        var oldest = await ClipAsync(MemberId, "mine-old.mp4", 3);

        var first = JsonDocument.Parse(await member.GetStringAsync("/api/me/clips?limit=1")).RootElement;
        Assert.Equal([Id(newest)], first.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()));
        var cursor = first.GetProperty("nextCursor").GetString();
        var second = JsonDocument.Parse(await member.GetStringAsync($"/api/me/clips?limit=1&cursor={Uri.EscapeDataString(cursor!)}")).RootElement;
        Assert.Equal([Id(oldest)], second.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()));
        Assert.Equal(JsonValueKind.Null, second.GetProperty("nextCursor").ValueKind);
        Assert.Equal(HttpStatusCode.BadRequest, (await member.GetAsync("/api/me/clips?cursor=nope")).StatusCode);

        var totals = JsonDocument.Parse(await member.GetStringAsync("/api/me/clips/totals")).RootElement;
        Assert.Equal(2, Assert.Single(totals.EnumerateArray()).GetProperty("clips").GetInt64());

        // The member has no rights in the guild: its clip list stays closed to them.
        Assert.Equal(HttpStatusCode.NotFound, (await member.GetAsync($"/api/guilds/{GuildId}/clips")).StatusCode);

        Assert.Contains("see, download or delete the clips you posted", await App.CreateClientAs(null).GetStringAsync("/"), StringComparison.Ordinal);
        var page = await App.CreateClientAs(MemberId).GetStringAsync("/me");
        Assert.Contains("mine-new.mp4", page, StringComparison.Ordinal);
        Assert.Contains("mine-old.mp4", page, StringComparison.Ordinal);
        Assert.DoesNotContain("owners.mp4", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_member_reads_their_own_clips_file_with_ranges_and_never_another_authors()
    {
        var member = await ApiClientAsync(DemoUsers.Member.Id);
        var mine = await ClipAsync(MemberId, "mine.mp4", 1);
        var owners = await ClipAsync(OwnerId, "owners.mp4", 2);

        Assert.Equal([1, 2, 3], await member.GetByteArrayAsync($"/api/me/clips/{mine}/file"));
        using var ranged = new HttpRequestMessage(HttpMethod.Get, $"/api/me/clips/{mine}/file");
        ranged.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(1, 2);
        var partial = await member.SendAsync(ranged);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal([2, 3], await partial.Content.ReadAsByteArrayAsync());

        Assert.Equal(HttpStatusCode.NotFound, (await member.GetAsync($"/api/me/clips/{owners}/file")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await App.CreateClientAs(MemberId).GetAsync($"/me/file?clipId={owners}")).StatusCode);
    }

    [Fact]
    public async Task Deleting_ones_clips_needs_the_username_schedules_a_purge_the_member_follows_and_cancels_and_leaves_others_alone()
    {
        var member = await ApiClientAsync(DemoUsers.Member.Id);
        var owner = await ApiClientAsync(DemoUsers.Owner.Id);
        await ClipAsync(MemberId, "mine.mp4", 1);
        var owners = await ClipAsync(OwnerId, "owners.mp4", 2);
        var username = $"user{MemberId}";

        var preview = JsonDocument.Parse(await member.GetStringAsync("/api/me/clips/purge/preview")).RootElement;
        Assert.Equal(1, preview.GetProperty("clips").GetInt64());
        Assert.Equal(username, preview.GetProperty("confirmPhrase").GetString());

        var wrong = await member.PostAsJsonAsync("/api/me/clips/purge", new { confirm = "someone-else" });
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        var badGuild = await member.PostAsJsonAsync("/api/me/clips/purge", new { confirm = username, guildId = "not-an-id" });
        Assert.Equal(HttpStatusCode.BadRequest, badGuild.StatusCode);
        await using (var db = Db.CreateContext())
        {
            Assert.Equal(0, await db.PurgeRuns.CountAsync());
        }

        var accepted = await member.PostAsJsonAsync("/api/me/clips/purge", new { confirm = username, guildId = Id(GuildId) });
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var location = accepted.Headers.Location!.ToString();
        Assert.StartsWith("/api/purges/", location, StringComparison.Ordinal);
        Assert.Equal("author", JsonDocument.Parse(await member.GetStringAsync(location)).RootElement.GetProperty("scope").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await member.PostAsJsonAsync("/api/me/clips/purge", new { confirm = username })).StatusCode);

        // The guild's owner cannot cancel a member's deletion; the member can.
        Assert.Equal(HttpStatusCode.NotFound, (await owner.DeleteAsync(location)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await member.DeleteAsync(location)).StatusCode);

        var again = await member.PostAsJsonAsync("/api/me/clips/purge", new { confirm = username });
        var runId = long.Parse(again.Headers.Location!.ToString().Split('/')[^1], System.Globalization.CultureInfo.InvariantCulture);
        await using (var db = Db.CreateContext())
        {
            await db.PurgeRuns.Where(p => p.Id == runId).ExecuteUpdateAsync(s => s.SetProperty(p => p.NotBefore, DateTimeOffset.UtcNow.AddSeconds(-1)));
        }

        await RunAsync<ClipSaver.Core.Purging.PurgeJob>(j => j.RunAsync(runId, CancellationToken.None));

        var done = JsonDocument.Parse(await member.GetStringAsync($"/api/purges/{runId}")).RootElement;
        Assert.Equal("completed", done.GetProperty("status").GetString());
        Assert.Equal(1, done.GetProperty("report").GetProperty("clipsDeleted").GetInt64());
        await using (var db = Db.CreateContext())
        {
            Assert.Equal(0, await db.Clips.CountAsync(c => c.AuthorId == MemberId));
            Assert.True(await db.Clips.AnyAsync(c => c.Id == owners));
        }

        var audit = JsonDocument.Parse(await owner.GetStringAsync($"/api/guilds/{GuildId}/audit")).RootElement.GetProperty("items").EnumerateArray()
            .Single(e => e.GetProperty("action").GetString() == "member.clips_deleted");
        Assert.Equal("A member deleted 1 clip they had posted.", audit.GetProperty("summary").GetString());
        Assert.Equal(JsonValueKind.Null, audit.GetProperty("actorId").ValueKind);
    }

    [Fact]
    public async Task The_opt_out_is_stored_reported_reversible_and_refuses_a_deletion_without_opting_out_or_without_the_phrase()
    {
        var member = await ApiClientAsync(DemoUsers.Member.Id);
        await ClipAsync(MemberId, "mine.mp4", 1);
        string username;
        await using (var users = Db.CreateContext())
        {
            username = await users.Users.Where(u => u.Id == MemberId).Select(u => u.Username).SingleAsync();
        }

        Assert.False(JsonDocument.Parse(await member.GetStringAsync("/api/me/opt-out")).RootElement.GetProperty("optOut").GetBoolean());
        Assert.Equal(HttpStatusCode.BadRequest, (await member.PutAsJsonAsync("/api/me/opt-out", new { optOut = false, deleteExisting = true, confirm = username })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await member.PutAsJsonAsync("/api/me/opt-out", new { deleteExisting = true })).StatusCode);

        // Deleting what is archived asks for the username, as every deletion of one's clips does; without it nothing
        // changes, not even the opt-out.
        foreach (var confirm in new[] { null, "", username.ToUpperInvariant() })
        {
            var refused = await member.PutAsJsonAsync("/api/me/opt-out", new { optOut = true, deleteExisting = true, confirm });
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains(username, await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.False(JsonDocument.Parse(await member.GetStringAsync("/api/me/opt-out")).RootElement.GetProperty("optOut").GetBoolean());
        var page = App.CreateClientAs(MemberId);
        var token = CsrfTokenOf(await page.GetStringAsync("/me"));
        var posted = await page.PostAsync("/me/optout", new FormUrlEncodedContent([new("__RequestVerificationToken", token), new("optOut", "true"), new("deleteExisting", "true"), new("confirm", "someone else")]));
        Assert.Equal(HttpStatusCode.BadRequest, posted.StatusCode);
        Assert.Contains("Nothing changed: to delete your archived clips as you opt out, type your Discord username exactly.", await posted.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await using (var before = Db.CreateContext())
        {
            Assert.False(await before.PurgeRuns.AnyAsync(p => p.AuthorId == MemberId));
            Assert.Null(await before.Users.Where(u => u.Id == MemberId).Select(u => u.OptedOutAt).SingleAsync());
        }

        var optedOut = JsonDocument.Parse(await (await member.PutAsJsonAsync("/api/me/opt-out", new { optOut = true, deleteExisting = true, confirm = username })).Content.ReadAsStringAsync()).RootElement;
        Assert.True(optedOut.GetProperty("optOut").GetBoolean());
        Assert.Equal("author", Assert.Single(optedOut.GetProperty("deletions").EnumerateArray()).GetProperty("scope").GetString());
        Assert.True(JsonDocument.Parse(await member.GetStringAsync("/api/me/opt-out")).RootElement.GetProperty("optOut").GetBoolean());

        var back = JsonDocument.Parse(await (await member.PutAsJsonAsync("/api/me/opt-out", new { optOut = false })).Content.ReadAsStringAsync()).RootElement;
        Assert.False(back.GetProperty("optOut").GetBoolean());
        await using var db = Db.CreateContext();
        Assert.Equal(["me.clips_delete_requested", "me.opted_in", "me.opted_out"],
            (await db.AuditEvents.Where(e => e.ActorUserId == MemberId).Select(e => e.Action).ToListAsync()).Order());
    }

    [Fact]
    public async Task A_member_searches_their_own_clips_by_file_name_and_never_finds_another_authors()
    {
        var member = await ApiClientAsync(DemoUsers.Member.Id);
        var goal = await ClipAsync(MemberId, "Big-GOAL.mp4", 1);
        await ClipAsync(MemberId, "save.mp4", 2);
        await ClipAsync(OwnerId, "goal-by-the-owner.mp4", 3);

        var found = JsonDocument.Parse(await member.GetStringAsync("/api/me/clips?q=goal")).RootElement;
        Assert.Equal([Id(goal)], found.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()));
        var tooLong = await member.GetAsync($"/api/me/clips?q={new string('a', ClipSaver.Core.Clips.ClipSearch.MaxLength + 1)}");
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.True(JsonDocument.Parse(await tooLong.Content.ReadAsStringAsync()).RootElement.GetProperty("errors").TryGetProperty("q", out _));

        var web = App.CreateClientAs(MemberId);
        var page = WebUtility.HtmlDecode(await web.GetStringAsync("/me?q=goal"));
        Assert.Contains("Big-GOAL.mp4", page, StringComparison.Ordinal);
        Assert.DoesNotContain("save.mp4", page, StringComparison.Ordinal);
        Assert.DoesNotContain("goal-by-the-owner.mp4", page, StringComparison.Ordinal);
        Assert.Contains("1 of your clips has “goal” in its file name.", page, StringComparison.Ordinal);
        // The export and the deletion still offer every guild of the member's, whatever the search shows.
        Assert.Contains("2 clips in 1 server,", page, StringComparison.Ordinal);

        var bad = await web.GetAsync("/me?q=a%0Ab");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var badPage = await bad.Content.ReadAsStringAsync();
        Assert.Contains("data-testid=\"my-search-error\"", badPage, StringComparison.Ordinal);
        Assert.DoesNotContain("Big-GOAL.mp4", badPage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task More_of_a_servers_clips_keeps_the_search()
    {
        for (var i = 0; i <= MyClipsModel.PerGuild; i++)
        {
            await ClipAsync(MemberId, $"goal-{i}.mp4", i + 1);
        }

        await ClipAsync(MemberId, "save.mp4", 30);
        var web = App.CreateClientAs(MemberId);
        var page = WebUtility.HtmlDecode(await web.GetStringAsync("/me?q=goal"));
        Assert.Contains($"href=\"/me?guild={GuildId}&q=goal\"", page, StringComparison.Ordinal);
        var more = WebUtility.HtmlDecode(await web.GetStringAsync($"/me?guild={GuildId}&q=goal"));
        Assert.Equal(MyClipsModel.PerGuild + 1, System.Text.RegularExpressions.Regex.Count(more, "clip-name"));
        Assert.DoesNotContain("save.mp4", more, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_members_video_link_shows_a_placeholder_and_opens_its_site()
    {
        await using (var db = Db.CreateContext())
        {
            var link = TestData.Clip(GuildId, ChannelId, MemberId, "a-link.mp4", 0, DateTimeOffset.UtcNow.AddMinutes(-1));
            link.Source = ClipSource.Embed;
            link.AttachmentId = null;
            link.EmbedUrl = "https://videos.example/watch?v=1&t=2";
            db.Clips.Add(link);
            await db.SaveChangesAsync();
        }

        // The card: the placeholder where a file would play, then the link to the video's own site.
        Assert.Matches(
            "Video link: plays on its own site</div>\\s*<div class=\"clip-meta\">\\s*<strong class=\"clip-name\" title=\"a-link.mp4\">[\\s\\S]*?href=\"https://videos.example/watch\\?v=1&amp;t=2\" rel=\"noopener noreferrer nofollow\" target=\"_blank\" data-testid=\"open-link\"",
            await App.CreateClientAs(MemberId).GetStringAsync("/me"));
    }
}

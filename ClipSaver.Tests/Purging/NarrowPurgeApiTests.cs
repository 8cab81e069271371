namespace ClipSaver.Tests.Purging;

/// <summary>Narrower purges over the API (decision 021): <c>olderThan</c> and <c>failedOnly</c>, and what bad input gets.</summary>
public sealed class NarrowPurgeApiTests : ClipClubTestBase
{
    private long _guildId;
    private long _channelId;
    private long _otherId;
    private string _channelName = "";

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        (_guildId, _channelId, _channelName) = (GuildId, ChannelId, ChannelName);
        await using var db = Db.CreateContext();
        _otherId = await db.Channels.Where(c => c.GuildId == _guildId && c.Type == 0 && !c.IsThread && c.Id != _channelId).Select(c => c.Id).FirstAsync();
    }

    private static StringContent Json(string json) => new(json, System.Text.Encoding.UTF8, "application/json");

    /// <summary>In the channel: one clip of December 2025 (stored, 3,000 bytes), one of June 2026; in another, a failed download.</summary>
    private async Task SeedAsync()
    {
        await using var db = Db.CreateContext();
        var author = TestDiscord.Id(DemoUsers.Owner.Id);
        if (!await db.Users.AnyAsync(u => u.Id == author))
        {
            db.Users.Add(new User { Id = author, Username = "owner", CreatedAt = DateTimeOffset.UtcNow });
        }

        var failed = TestData.Clip(_guildId, _otherId, author, "big.mp4", 90_000_000, new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero));
        failed.SkipReason = "Larger than this server's 25 MB limit.";
        db.Clips.AddRange(
            TestData.Clip(_guildId, _channelId, author, "old.mp4", 3000, new DateTimeOffset(2025, 12, 1, 0, 0, 0, TimeSpan.Zero), storageKey: "test/old.mp4"),
            TestData.Clip(_guildId, _channelId, author, "new.mp4", 4000, new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero), storageKey: "test/new.mp4"),
            failed);
        await db.SaveChangesAsync();
    }

    [Fact]
    public async Task Bad_narrowing_input_is_a_400_or_422_problem_that_says_why_and_changes_nothing()
    {
        var owner = await ApiClientAsync(DemoUsers.Owner.Id);
        var channelUrl = $"/api/guilds/{_guildId}/channels/{_channelId}/purge";
        var future = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(2).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var confirm = JsonSerializer.Serialize(_channelName);
        var cases = new (string Url, string Body, HttpStatusCode Status, string Says)[]
        {
            (channelUrl, $$"""{"confirm": {{confirm}}, "olderThan": "01/01/2026"}""", HttpStatusCode.BadRequest, "yyyy-MM-dd"),
            (channelUrl, $$"""{"confirm": {{confirm}}, "olderThan": "2026-02-30"}""", HttpStatusCode.BadRequest, "yyyy-MM-dd"),
            (channelUrl, $$"""{"confirm": {{confirm}}, "olderThan": ""}""", HttpStatusCode.BadRequest, "yyyy-MM-dd"),
            (channelUrl, $$"""{"confirm": {{confirm}}, "olderThan": 20260101}""", HttpStatusCode.BadRequest, "not valid JSON"),
            (channelUrl, $$"""{"confirm": {{confirm}}, "failedOnly": "yes"}""", HttpStatusCode.BadRequest, "not valid JSON"),
            (channelUrl, $$"""{"confirm": {{confirm}}, "olderThan": "{{future}}"}""", (HttpStatusCode)422, "in the future"),
            (channelUrl, $$"""{"confirm": {{confirm}}, "olderThan": "2026-01-01", "failedOnly": true}""", (HttpStatusCode)422, "not both"),
            ($"/api/guilds/{_guildId}/purge", """{"confirm": "DELETE SERVER", "failedOnly": true}""", (HttpStatusCode)422, "channel or of all channels"),
        };

        foreach (var (url, body, status, says) in cases)
        {
            var answer = await owner.PostAsync(url, Json(body));
            Assert.True(status == answer.StatusCode, $"{body}: {answer.StatusCode}");
            Assert.Equal("application/problem+json", answer.Content.Headers.ContentType!.MediaType);
            Assert.Contains(says, (await answer.Content.ReadFromJsonAsync<JsonElement>()).ToString(), StringComparison.Ordinal);
        }

        var preview = $"/api/guilds/{_guildId}/purges/preview?scope=channel&channelId={_channelId}";
        Assert.Equal((HttpStatusCode)422, (await owner.GetAsync($"{preview}&olderThan={future}")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.GetAsync($"{preview}&olderThan=yesterday")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.GetAsync($"{preview}&failedOnly=maybe")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.GetAsync($"/api/guilds/{_guildId}/purges/preview/clips.csv?scope=all&olderThan=2026-13-01")).StatusCode);

        await using var db = Db.CreateContext();
        Assert.False(await db.PurgeRuns.AnyAsync());
        Assert.Null(await db.Channels.Where(c => c.Id == _channelId).Select(c => c.PurgeCooldownUntil).SingleAsync());
    }

    [Fact]
    public async Task An_older_than_purge_previews_lists_and_records_only_the_older_clips_and_its_status_carries_the_live_numbers()
    {
        await SeedAsync();
        var owner = await ApiClientAsync(DemoUsers.Owner.Id);
        var query = $"scope=channel&channelId={_channelId}&olderThan=2026-01-01";

        var preview = await owner.GetFromJsonAsync<JsonElement>($"/api/guilds/{_guildId}/purges/preview?{query}");
        Assert.Equal((1, 3000, 0), (preview.GetProperty("clips").GetInt64(), preview.GetProperty("bytes").GetInt64(), preview.GetProperty("scanRuns").GetInt64()));
        Assert.Equal($"Purge of clips posted before 1 Jan 2026 in #{_channelName}", preview.GetProperty("description").GetString());
        var csv = (await owner.GetStringAsync($"/api/guilds/{_guildId}/purges/preview/clips.csv?{query}")).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, csv.Length);
        Assert.Contains("old.mp4", csv[1], StringComparison.Ordinal);
        var failed = await owner.GetFromJsonAsync<JsonElement>($"/api/guilds/{_guildId}/purges/preview?scope=all_channels&failedOnly=true");
        Assert.Equal((1, true), (failed.GetProperty("clips").GetInt64(), failed.GetProperty("failedOnly").GetBoolean()));

        var accepted = await owner.PostAsync($"/api/guilds/{_guildId}/channels/{_channelId}/purge",
            Json($$"""{"confirm": {{JsonSerializer.Serialize(_channelName)}}, "olderThan": "2026-01-01"}"""));

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var body = await accepted.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("2026-01-01", false, 1), (body.GetProperty("olderThan").GetString(), body.GetProperty("failedOnly").GetBoolean(), body.GetProperty("toDelete").GetProperty("clips").GetInt64()));
        var status = await owner.GetFromJsonAsync<JsonElement>(accepted.Headers.Location!.OriginalString);
        var live = status.GetProperty("live");
        Assert.Equal(["stopping_scans", "deleting_clips", "verifying"], live.GetProperty("steps").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal((0, 1), (live.GetProperty("clipsDone").GetInt64(), live.GetProperty("clipsTotal").GetInt64()));
        Assert.Equal(JsonValueKind.Null, live.GetProperty("estimatedSecondsLeft").ValueKind);

        // The OpenAPI document names the new fields.
        var document = (await App.CreateClientAs(null).GetStringAsync("/openapi/v1.json"));
        foreach (var name in new[] { "\"olderThan\"", "\"failedOnly\"", "\"estimatedSecondsLeft\"", "\"422\"" })
        {
            Assert.Contains(name, document, StringComparison.Ordinal);
        }
    }
}

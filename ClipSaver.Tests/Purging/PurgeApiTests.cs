namespace ClipSaver.Tests.Purging;

/// <summary>The purge routes of the REST API: the danger zone's rules, over HTTP with API tokens.</summary>
public sealed class PurgeApiTests : AppTestBase
{
    private long _guildId;
    private long _channelId;
    private string _channelName = "";
    private string _baseUrl = "";

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _baseUrl = App.StartOnKestrel();
        await ReconcileAsync();
        var guild = DemoGuild("Clip Club");
        _guildId = (long)guild.Id;
        await using var db = Db.CreateContext();
        var channel = await db.Channels.Where(c => c.GuildId == _guildId && c.Type == 0 && !c.IsThread).OrderBy(c => c.Position).FirstAsync();
        (_channelId, _channelName) = (channel.Id, channel.Name);
    }

    private static StringContent Confirm(string phrase) => JsonContent(new { confirm = phrase });

    private static StringContent JsonContent(object body) => new(JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json");

    [Fact]
    public async Task Only_the_owner_may_purge_a_manager_gets_403_and_a_member_404()
    {
        var url = $"/api/guilds/{_guildId}/channels/{_channelId}/purge";
        var member = await ApiClientAsync(DemoUsers.Member.Id);
        var manager = await ApiClientAsync(DemoUsers.Manager.Id);
        var owner = await ApiClientAsync(DemoUsers.Owner.Id);

        Assert.Equal(HttpStatusCode.NotFound, (await member.PostAsync(url, Confirm(_channelName))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await manager.PostAsync(url, Confirm(_channelName))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await App.CreateClientAs(null).PostAsync(url, Confirm(_channelName))).StatusCode);
        await using (var db = Db.CreateContext())
        {
            Assert.False(await db.PurgeRuns.AnyAsync());
        }

        var accepted = await owner.PostAsync(url, Confirm(_channelName));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var body = await accepted.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal($"/api/purges/{body.GetProperty("id").GetString()}", accepted.Headers.Location!.OriginalString);
        Assert.Equal("scheduled", body.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.String, body.GetProperty("guildId").ValueKind);
    }

    [Fact]
    public async Task The_owner_check_is_live_an_owner_who_lost_the_guild_on_discord_is_refused_at_once()
    {
        var owner = await ApiClientAsync(DemoUsers.Owner.Id);
        Assert.Equal(HttpStatusCode.OK, (await owner.GetAsync($"/api/guilds/{_guildId}")).StatusCode);

        // Ownership moves on Discord; the cached role would still say "owner" for a minute.
        Discord.World.SetOwner((ulong)_guildId, DemoUsers.Manager.Id);
        var refused = await owner.PostAsync($"/api/guilds/{_guildId}/channels/purge", Confirm("DELETE ALL CHANNELS"));

        Assert.NotEqual(HttpStatusCode.Accepted, refused.StatusCode);
        Assert.Contains(refused.StatusCode, new[] { HttpStatusCode.Forbidden, HttpStatusCode.NotFound });
    }

    [Fact]
    public async Task A_wrong_phrase_is_400_and_changes_nothing()
    {
        var owner = await ApiClientAsync(DemoUsers.Owner.Id);

        var wrong = await owner.PostAsync($"/api/guilds/{_guildId}/channels/purge", Confirm("delete all channels"));

        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.Equal("application/problem+json", wrong.Content.Headers.ContentType!.MediaType);
        await using var db = Db.CreateContext();
        Assert.False(await db.PurgeRuns.AnyAsync());
        Assert.Null(await db.Guilds.Where(g => g.Id == _guildId).Select(g => g.AllChannelsPurgeCooldownUntil).FirstAsync());
    }

    [Fact]
    public async Task Inside_the_cooldown_the_answer_is_429_with_retry_after_and_a_cancelled_purge_gives_it_back()
    {
        var owner = await ApiClientAsync(DemoUsers.Owner.Id);
        var url = $"/api/guilds/{_guildId}/channels/{_channelId}/purge";
        var first = await (await owner.PostAsync(url, Confirm(_channelName))).Content.ReadFromJsonAsync<JsonElement>();
        var id = first.GetProperty("id").GetString();

        // Cancelled in the undo window: the cooldown is given back and a new request is accepted.
        Assert.Equal(HttpStatusCode.NoContent, (await owner.DeleteAsync($"/api/purges/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await owner.DeleteAsync($"/api/purges/{id}")).StatusCode);
        var second = await owner.PostAsync(url, Confirm(_channelName));
        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);

        // That one runs (marked done here); the channel is then cooling down for 24 hours.
        await using (var db = Db.CreateContext())
        {
            await db.PurgeRuns.Where(p => p.Status == PurgeStatus.Scheduled).ExecuteUpdateAsync(s => s.SetProperty(p => p.Status, PurgeStatus.Completed));
        }

        var cooling = await owner.PostAsync(url, Confirm(_channelName));
        Assert.Equal(HttpStatusCode.TooManyRequests, cooling.StatusCode);
        var retryAfter = cooling.Headers.RetryAfter!.Delta!.Value;
        Assert.InRange(retryAfter.TotalHours, 23.9, 24.0);
        var problem = await cooling.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("may be purged again at", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Of_fifty_simultaneous_requests_exactly_one_is_accepted()
    {
        var owner = await ApiClientAsync(DemoUsers.Owner.Id);

        var answers = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ =>
            owner.PostAsync($"/api/guilds/{_guildId}/channels/purge", Confirm("DELETE ALL CHANNELS"))));

        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.Accepted);
        Assert.All(answers.Where(a => a.StatusCode != HttpStatusCode.Accepted),
            a => Assert.Contains(a.StatusCode, new[] { HttpStatusCode.TooManyRequests, HttpStatusCode.Conflict }));
        await using var db = Db.CreateContext();
        Assert.Equal(1, await db.PurgeRuns.CountAsync());
    }

    [Fact]
    public async Task An_overlapping_purge_is_409_and_a_purged_guild_cannot_be_purged_again()
    {
        var owner = await ApiClientAsync(DemoUsers.Owner.Id);
        Assert.Equal(HttpStatusCode.Accepted, (await owner.PostAsync($"/api/guilds/{_guildId}/channels/purge", Confirm("DELETE ALL CHANNELS"))).StatusCode);

        Assert.Equal(HttpStatusCode.Conflict, (await owner.PostAsync($"/api/guilds/{_guildId}/channels/{_channelId}/purge", Confirm(_channelName))).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await owner.PostAsync($"/api/guilds/{_guildId}/purge", Confirm("DELETE GUILD"))).StatusCode);

        await using (var db = Db.CreateContext())
        {
            await db.PurgeRuns.ExecuteUpdateAsync(s => s.SetProperty(p => p.Status, PurgeStatus.Completed));
            await db.Guilds.Where(g => g.Id == _guildId).ExecuteUpdateAsync(s => s
                .SetProperty(g => g.PurgedAt, DateTimeOffset.UtcNow).SetProperty(g => g.DeletedAt, DateTimeOffset.UtcNow)
                .SetProperty(g => g.DeletionReason, GuildDeletionReason.Purged));
        }

        Discord.World.RemoveBotFromGuild((ulong)_guildId);
        Assert.Equal(HttpStatusCode.Conflict, (await owner.PostAsync($"/api/guilds/{_guildId}/purge", Confirm("DELETE GUILD"))).StatusCode);
    }

    [Fact]
    public async Task Preview_and_status_answer_for_the_owner_and_malformed_input_is_400()
    {
        var owner = await ApiClientAsync(DemoUsers.Owner.Id);
        var preview = await owner.GetAsync($"/api/guilds/{_guildId}/purges/preview?scope=channel&channelId={_channelId}");
        Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
        var body = await preview.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(_channelName, body.GetProperty("confirmPhrase").GetString());

        Assert.Equal(HttpStatusCode.BadRequest, (await owner.GetAsync($"/api/guilds/{_guildId}/purges/preview?scope=everything")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.GetAsync("/api/guilds/not-a-snowflake/purges/preview?scope=all")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.PostAsync($"/api/guilds/{_guildId}/channels/purge", new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await owner.GetAsync("/api/purges/987654")).StatusCode);
    }

    [Fact]
    public async Task The_browser_cookie_works_on_the_api_but_unsafe_methods_need_the_antiforgery_header()
    {
        var browser = await RealLogin.SignInAsync(_baseUrl, DemoUsers.Owner.Id);

        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync($"/api/guilds/{_guildId}")).StatusCode);
        var refused = await browser.PostAsync($"/api/guilds/{_guildId}/channels/purge", Confirm("DELETE ALL CHANNELS"));

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("antiforgery", await refused.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        await using var db = Db.CreateContext();
        Assert.False(await db.PurgeRuns.AnyAsync());
    }

    /// <summary>Two clips in the channel (one stored, 3,000 bytes) and one stored in another (700 bytes), one scan run in each.</summary>
    private async Task<long> SeedClipsAsync()
    {
        await using var db = Db.CreateContext();
        var other = await db.Channels.Where(c => c.GuildId == _guildId && c.Type == 0 && c.Id != _channelId).Select(c => c.Id).FirstAsync();
        var author = ClipSaver.Tests.Infrastructure.TestDiscord.Id(DemoUsers.Owner.Id);
        if (!await db.Users.AnyAsync(u => u.Id == author))
        {
            db.Users.Add(new User { Id = author, Username = "owner", CreatedAt = DateTimeOffset.UtcNow });
        }

        Clip Clip(long channelId, string name, long size, bool stored) => TestData.Clip(_guildId, channelId, author, name, size, DateTimeOffset.UtcNow.AddHours(-1), storageKey: stored ? $"test/{name}" : null);
        db.Clips.AddRange(Clip(_channelId, "a.mp4", 3000, stored: true), Clip(_channelId, "b.mp4", 500, stored: false), Clip(other, "c.mp4", 700, stored: true));
        db.ScanRuns.AddRange(TestData.ScanRun(_guildId, _channelId, ScanStatus.Completed, DateTimeOffset.UtcNow), TestData.ScanRun(_guildId, other, ScanStatus.Completed, DateTimeOffset.UtcNow));
        await db.SaveChangesAsync();
        return other;
    }

    [Theory]
    [InlineData("channel", 2, 1, 3000, 1)]
    [InlineData("all", 3, 2, 3700, 2)]
    [InlineData("guild", 3, 2, 3700, 2)]
    public async Task The_202_of_a_purge_carries_what_it_is_about_to_delete_as_the_preview_counted_it(string scope, long clips, long files, long bytes, long scanRuns)
    {
        await SeedClipsAsync();
        var owner = await ApiClientAsync(DemoUsers.Owner.Id);
        var (url, phrase, query) = scope switch
        {
            "channel" => ($"/api/guilds/{_guildId}/channels/{_channelId}/purge", _channelName, $"scope=channel&channelId={_channelId}"),
            "all" => ($"/api/guilds/{_guildId}/channels/purge", "DELETE ALL CHANNELS", "scope=all"),
            _ => ($"/api/guilds/{_guildId}/purge", "DELETE GUILD", "scope=guild"),
        };
        var preview = await owner.GetFromJsonAsync<JsonElement>($"/api/guilds/{_guildId}/purges/preview?{query}");

        var accepted = await owner.PostAsync(url, Confirm(phrase));

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var toDelete = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("toDelete");
        Assert.Equal(clips, toDelete.GetProperty("clips").GetInt64());
        Assert.Equal(files, toDelete.GetProperty("files").GetInt64());
        Assert.Equal(bytes, toDelete.GetProperty("bytes").GetInt64());
        Assert.Equal(scanRuns, toDelete.GetProperty("scanRuns").GetInt64());
        foreach (var count in new[] { "clips", "files", "bytes", "scanRuns", "members", "channels" })
        {
            Assert.Equal(preview.GetProperty(count).GetInt64(), toDelete.GetProperty(count).GetInt64());
        }

        // The OpenAPI document describes it on the 202 answer.
        var document = await App.CreateClientAs(null).GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var path = url.Replace(_guildId.ToString(System.Globalization.CultureInfo.InvariantCulture), "{guildId}", StringComparison.Ordinal)
            .Replace(_channelId.ToString(System.Globalization.CultureInfo.InvariantCulture), "{channelId}", StringComparison.Ordinal);
        var schemaRef = document.GetProperty("paths").GetProperty(path).GetProperty("post").GetProperty("responses").GetProperty("202")
            .GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString()!;
        var schemas = document.GetProperty("components").GetProperty("schemas");
        var toDeleteSchema = schemas.GetProperty(schemaRef.Split('/')[^1]).GetProperty("properties").GetProperty("toDelete").ToString();
        var previewSchema = System.Text.RegularExpressions.Regex.Match(toDeleteSchema, "#/components/schemas/([A-Za-z]+)").Groups[1].Value;
        Assert.True(previewSchema.Length > 0, toDeleteSchema);
        Assert.Equal(["bytes", "channels", "clips", "files", "members", "scanRuns"], schemas.GetProperty(previewSchema).GetProperty("properties").EnumerateObject().Select(p => p.Name).Order());

        // The run keeps saying it while it waits.
        var status = await owner.GetFromJsonAsync<JsonElement>(accepted.Headers.Location!.OriginalString);
        Assert.Equal(clips, status.GetProperty("toDelete").GetProperty("clips").GetInt64());
    }

    [Fact]
    public async Task The_clip_list_of_a_preview_downloads_as_csv_for_the_owner_only()
    {
        var other = await SeedClipsAsync();
        var owner = await ApiClientAsync(DemoUsers.Owner.Id);
        var url = $"/api/guilds/{_guildId}/purges/preview/clips.csv";

        var response = await owner.GetAsync($"{url}?scope=channel&channelId={_channelId}");

        var lines = await ClipListCsv.ReadChannelListAsync(response, _guildId, _channelId);
        Assert.Equal(["a.mp4", "b.mp4"], lines.Skip(1).Select(l => l.Split(',')[3]).Order());
        Assert.All(lines.Skip(1), l => Assert.StartsWith($"{_channelName},https://discord.com/channels/{_guildId}/{_channelId}/", l, StringComparison.Ordinal));

        var all = (await owner.GetStringAsync($"{url}?scope=all")).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, all.Length);
        Assert.Contains(all, l => l.Contains($"/{_guildId}/{other}/", StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.Forbidden, (await (await ApiClientAsync(DemoUsers.Manager.Id)).GetAsync($"{url}?scope=all")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await (await ApiClientAsync(DemoUsers.Member.Id)).GetAsync($"{url}?scope=all")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.GetAsync($"{url}?scope=channel")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await owner.GetAsync($"{url}?scope=channel&channelId=12345")).StatusCode);
    }

    [Fact]
    public async Task Scopes_are_spelled_as_stored_and_the_first_spelling_all_is_still_read()
    {
        var owner = await ApiClientAsync(DemoUsers.Owner.Id);
        var url = $"/api/guilds/{_guildId}/purges/preview";

        foreach (var query in new[] { "scope=all_channels", "scope=all" })
        {
            var preview = await owner.GetFromJsonAsync<JsonElement>($"{url}?{query}");
            Assert.Equal("all_channels", preview.GetProperty("scope").GetString());
        }

        Assert.Equal(HttpStatusCode.BadRequest, (await owner.GetAsync($"{url}?scope=AllChannels")).StatusCode);
        var accepted = await (await owner.PostAsync($"/api/guilds/{_guildId}/channels/purge", Confirm("DELETE ALL CHANNELS"))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("all_channels", accepted.GetProperty("scope").GetString());
    }

    [Fact]
    public async Task A_junk_bearer_header_next_to_the_browser_cookie_does_not_skip_the_antiforgery_check()
    {
        // The browser's cookie plus an Authorization header the token scheme rejects: the cookie still signs it in.
        var browser = await RealLogin.SignInAsync(_baseUrl, DemoUsers.Owner.Id);
        browser.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "garbage");

        var refused = await browser.PostAsync($"/api/guilds/{_guildId}/channels/purge", Confirm("DELETE ALL CHANNELS"));

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("antiforgery", await refused.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        await using var db = Db.CreateContext();
        Assert.False(await db.PurgeRuns.AnyAsync());
        Assert.Null(await db.Guilds.Where(g => g.Id == _guildId).Select(g => g.AllChannelsPurgeCooldownUntil).FirstAsync());
    }
}

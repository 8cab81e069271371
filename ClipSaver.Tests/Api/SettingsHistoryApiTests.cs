namespace ClipSaver.Tests.Api;

/// <summary>The settings history over REST: paging, restore, who made a change (a token says so), and bad input that changes nothing.</summary>
public sealed class SettingsHistoryApiTests : ClipClubTestBase
{
    private string History => $"/api/guilds/{GuildId}/settings/history";

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private async Task<(int Versions, string Stored)> StateAsync()
    {
        await using var db = Db.CreateContext();
        return (await db.GuildSettingsVersions.CountAsync(), await db.GuildSettings.Where(s => s.GuildId == GuildId).Select(s => s.Json).FirstOrDefaultAsync() ?? "");
    }

    [Fact]
    public async Task The_history_pages_newest_first_names_the_token_and_restore_puts_a_version_back()
    {
        var owner = await ApiClientAsync(DemoUsers.Owner.Id);
        foreach (var mb in new[] { 101, 102, 103 })
        {
            Assert.Equal(HttpStatusCode.OK, (await owner.PutAsync($"/api/guilds/{GuildId}/settings", Json($"{{\"maxFileSizeMb\":{mb}}}"))).StatusCode);
        }

        var first = await owner.GetFromJsonAsync<JsonElement>($"{History}?limit=2");
        var items = first.GetProperty("items");
        Assert.Equal(2, items.GetArrayLength());
        var newest = items[0];
        Assert.Equal("changed", newest.GetProperty("kind").GetString());
        Assert.Equal("api_token", newest.GetProperty("actor").GetProperty("kind").GetString());
        Assert.Equal(TestDiscord.Id(DemoUsers.Owner.Id).ToString(System.Globalization.CultureInfo.InvariantCulture), newest.GetProperty("actor").GetProperty("userId").GetString());
        Assert.Equal("test", newest.GetProperty("actor").GetProperty("tokenName").GetString());
        Assert.Contains("(API token “test”)", newest.GetProperty("actor").GetProperty("display").GetString(), StringComparison.Ordinal);
        var change = Assert.Single(newest.GetProperty("changes").EnumerateArray());
        Assert.Equal(("maxFileSizeMb", 102, 103, "102 MB", "103 MB"),
            (change.GetProperty("field").GetString(), change.GetProperty("before").GetInt32(), change.GetProperty("after").GetInt32(), change.GetProperty("beforeText").GetString(), change.GetProperty("afterText").GetString()));
        Assert.EndsWith("Largest file to keep 102 MB → 103 MB", newest.GetProperty("summary").GetString(), StringComparison.Ordinal);

        var cursor = first.GetProperty("nextCursor").GetString();
        var second = await owner.GetFromJsonAsync<JsonElement>($"{History}?limit=2&cursor={cursor}");
        Assert.Equal(["changed", "initial"], second.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("kind").GetString()));
        Assert.Equal(JsonValueKind.Null, second.GetProperty("nextCursor").ValueKind);

        // Restore the version of 101 MB; then restoring it again changes nothing and says so.
        var oldest = second.GetProperty("items")[0].GetProperty("id").GetString();
        var restored = await owner.PostAsync($"{History}/{oldest}/restore", null);
        Assert.Equal(HttpStatusCode.OK, restored.StatusCode);
        var body = await restored.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(body.GetProperty("changed").GetBoolean());
        Assert.Equal(101, body.GetProperty("settings").GetProperty("maxFileSizeMb").GetInt32());
        Assert.Equal("Restored: Largest file to keep 103 MB → 101 MB.", body.GetProperty("message").GetString());

        var top = (await owner.GetFromJsonAsync<JsonElement>(History)).GetProperty("items")[0];
        Assert.Equal(("restored", oldest), (top.GetProperty("kind").GetString(), top.GetProperty("restoredFromId").GetString()));

        var state = await StateAsync();
        var again = await (await owner.PostAsync($"{History}/{oldest}/restore", null)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(again.GetProperty("changed").GetBoolean());
        Assert.Equal("That version is the same as the current settings; nothing was changed.", again.GetProperty("message").GetString());
        Assert.Equal(state, await StateAsync());
    }

    [Fact]
    public async Task Odd_ids_cursors_and_wrong_json_types_get_a_clear_error_and_change_nothing()
    {
        var owner = await ApiClientAsync(DemoUsers.Owner.Id);
        Assert.Equal(HttpStatusCode.OK, (await owner.PutAsync($"/api/guilds/{GuildId}/settings", Json("{\"maxFileSizeMb\":200}"))).StatusCode);
        var otherVersion = await OtherGuildsSettingsVersionAsync();

        var state = await StateAsync();
        async Task ExpectAsync(HttpResponseMessage response, HttpStatusCode status, string says)
        {
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == status, $"{response.RequestMessage!.Method} {response.RequestMessage.RequestUri}: {(int)response.StatusCode} {text}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains(says, text, StringComparison.Ordinal);
        }

        await ExpectAsync(await owner.PostAsync($"{History}/abc/restore", null), HttpStatusCode.BadRequest, "'versionId'");
        await ExpectAsync(await owner.PostAsync($"{History}/1.5/restore", null), HttpStatusCode.BadRequest, "'versionId'");
        await ExpectAsync(await owner.PostAsync($"{History}/9223372036854775808/restore", null), HttpStatusCode.BadRequest, "'versionId'");
        await ExpectAsync(await owner.PostAsync($"{History}/{otherVersion}/restore", null), HttpStatusCode.NotFound, "Unknown settings version.");
        await ExpectAsync(await owner.PostAsync($"{History}/0/restore", null), HttpStatusCode.NotFound, "Unknown settings version.");
        await ExpectAsync(await owner.PostAsync($"{History}/-4/restore", null), HttpStatusCode.NotFound, "Unknown settings version.");
        await ExpectAsync(await owner.GetAsync($"{History}?cursor=abc"), HttpStatusCode.BadRequest, "Bad cursor.");
        await ExpectAsync(await owner.GetAsync($"{History}?cursor=-5"), HttpStatusCode.BadRequest, "Bad cursor.");
        await ExpectAsync(await owner.GetAsync($"{History}?limit=0"), HttpStatusCode.BadRequest, "limit");
        await ExpectAsync(await owner.GetAsync($"{History}?limit=ten"), HttpStatusCode.BadRequest, "'limit'");
        await ExpectAsync(await owner.GetAsync($"/api/guilds/not-a-guild/settings/history"), HttpStatusCode.BadRequest, "'guildId'");
        foreach (var wrong in new[] { "{\"maxFileSizeMb\":\"big\"}", "{\"archiveNewChannels\":\"yes\"}", "{\"departedMemberClips\":1}", "{\"clipExtensions\":\"mp4\"}", "{\"backfillSince\":12}", "[]" })
        {
            await ExpectAsync(await owner.PutAsync($"/api/guilds/{GuildId}/settings", Json(wrong)), HttpStatusCode.BadRequest, "Invalid request body.");
        }

        // A member without rights does not learn that the guild or its versions exist.
        var member = await ApiClientAsync(DemoUsers.Member.Id);
        await ExpectAsync(await member.GetAsync(History), HttpStatusCode.NotFound, "Unknown guild.");
        var initial = (await owner.GetFromJsonAsync<JsonElement>(History)).GetProperty("items")[1].GetProperty("id").GetString();
        await ExpectAsync(await member.PostAsync($"{History}/{initial}/restore", null), HttpStatusCode.NotFound, "Unknown guild.");

        Assert.Equal(state, await StateAsync());
    }

    [Fact]
    public async Task Both_routes_are_in_the_openapi_document()
    {
        var document = await App.CreateClientAs(null).GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var paths = document.GetProperty("paths");
        Assert.True(paths.GetProperty("/api/guilds/{guildId}/settings/history").TryGetProperty("get", out _));
        Assert.True(paths.GetProperty("/api/guilds/{guildId}/settings/history/{versionId}/restore").TryGetProperty("post", out _));
    }
}

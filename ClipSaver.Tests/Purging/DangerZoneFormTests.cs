namespace ClipSaver.Tests.Purging;

/// <summary>
/// The danger zone's pages under bad input: forms that are missing fields, garbled, or posted where no form belongs
/// answer 400 with a sentence and delete nothing; ids out of range are 404; the clip list downloads as CSV.
/// </summary>
public sealed class DangerZoneFormTests : ClipClubTestBase
{
    private const string Refused = "Nothing was deleted: the form was incomplete or not understood.";
    private static readonly string[] ExceptionMarkers = ["   at ", "Exception", ".cs:line"];


    /// <summary>A signed-in owner's client with the antiforgery cookie, and the token its forms carry.</summary>
    private async Task<(HttpClient Client, string Token)> OwnerAsync(ulong user = 0)
    {
        var client = App.CreateClientAs(TestDiscord.Id(user == 0 ? DemoUsers.Owner.Id : user));
        var page = await client.GetStringAsync($"/guilds/{GuildId}/danger-zone");
        return (client, CsrfTokenOf(page));
    }

    private static FormUrlEncodedContent Form(string token, params (string Name, string Value)[] fields) =>
        new([new("__RequestVerificationToken", token), .. fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value))]);

    public static TheoryData<string, string[]> BadForms => new()
    {
        // Posted where no form belongs: the page itself, and the preview (a GET).
        { "", ["confirm=DELETE ALL CHANNELS"] },
        { "", ["scope=AllChannels", "confirm=DELETE ALL CHANNELS"] },
        { "/preview", ["scope=AllChannels", "confirm=DELETE ALL CHANNELS"] },
        { "/preview", [] },
        // Purge forms with a field missing, garbled, or of the wrong type.
        { "/purge", [] },
        { "/purge", ["confirm=DELETE ALL CHANNELS"] },
        { "/purge", ["scope=Everything", "confirm=DELETE ALL CHANNELS"] },
        { "/purge", ["scope=17", "confirm=DELETE ALL CHANNELS"] },
        { "/purge", ["scope=Channel", "confirm=CHANNEL"] },
        { "/purge", ["scope=Channel", "channelId=abc", "confirm=CHANNEL"] },
        { "/purge", ["scope=Channel", "channelId=9223372036854775808", "confirm=CHANNEL"] },
        { "/purge", ["scope=AllChannels", "channelId=CHANNEL", "confirm=DELETE ALL CHANNELS"] },
        { "/purge", ["scope=Guild", "channelId=12", "confirm=DELETE GUILD"] },
        // The kind of purge garbled, sent empty, or contradicted by the other fields.
        { "/purge", ["scope=AllChannels", "what=some", "confirm=DELETE ALL CHANNELS"] },
        { "/purge", ["scope=AllChannels", "what=all", "olderThan=2026-01-01", "confirm=DELETE ALL CHANNELS"] },
        { "/purge", ["scope=AllChannels", "what=all", "failedOnly=true", "confirm=DELETE ALL CHANNELS"] },
        { "/purge", ["scope=AllChannels", "what=failed", "failedOnly=false", "confirm=DELETE ALL CHANNELS"] },
        { "/purge", ["scope=Channel", "channelId=CHANNEL", "failedOnly=", "confirm=CHANNEL"] },
        // Cancel forms without a usable run id.
        { "/cancel", [] },
        { "/cancel", ["runId=abc"] },
        { "/cancel", ["runId=18446744073709551615"] },
    };

    [Theory]
    [MemberData(nameof(BadForms))]
    public async Task A_bad_form_is_a_400_that_says_nothing_was_deleted_and_changes_nothing(string handler, string[] fields)
    {
        var (client, token) = await OwnerAsync();
        // "CHANNEL" stands for the channel's real name, so that only the malformed field is wrong.
        var pairs = fields.Select(f => f.Split('=', 2)).Select(p => (p[0], p[1] == "CHANNEL" ? (p[0] == "channelId" ? ChannelId.ToString(System.Globalization.CultureInfo.InvariantCulture) : ChannelName) : p[1])).ToArray();

        var response = await client.PostAsync($"/guilds/{GuildId}/danger-zone{handler}", Form(token, pairs));

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {text[..Math.Min(text.Length, 2000)]}");
        Assert.Contains(Refused, text, StringComparison.Ordinal);
        Assert.DoesNotContain(ExceptionMarkers, m => text.Contains(m, StringComparison.Ordinal));
        await using var db = Db.CreateContext();
        Assert.False(await db.PurgeRuns.AnyAsync());
        Assert.Null(await db.Guilds.Where(g => g.Id == GuildId).Select(g => g.AllChannelsPurgeCooldownUntil).FirstAsync());
        Assert.False(await db.Channels.AnyAsync(c => c.PurgeCooldownUntil != null));
    }

    [Fact]
    public async Task The_well_formed_purge_form_still_schedules_a_purge()
    {
        var (client, token) = await OwnerAsync();

        var response = await client.PostAsync($"/guilds/{GuildId}/danger-zone/purge", Form(token, ("scope", "Channel"), ("channelId", ChannelId.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("confirm", ChannelName)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var db = Db.CreateContext();
        Assert.Equal(ChannelId, (await db.PurgeRuns.SingleAsync()).ChannelId);
    }

    [Theory]
    [InlineData("Channel", "", "olderThan=")]
    [InlineData("Channel", "what=older", "olderThan=")]
    [InlineData("Channel", "what=older", "")]
    [InlineData("AllChannels", "", "olderThan=")]
    [InlineData("AllChannels", "what=older", "olderThan=")]
    [InlineData("AllChannels", "what=older", "olderThan=   ")]
    public async Task A_purge_form_that_asks_for_older_clips_without_a_day_is_refused_and_never_purges_the_whole_scope(string scope, string what, string olderThan)
    {
        var (client, token) = await OwnerAsync();
        var fields = new List<(string, string)> { ("scope", scope), ("confirm", scope == "Channel" ? ChannelName : PurgeScopes.AllChannelsPhrase) };
        if (scope == "Channel")
        {
            fields.Add(("channelId", ChannelId.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        fields.AddRange(new[] { what, olderThan }.Where(f => f.Length > 0).Select(f => (f.Split('=')[0], f.Split('=')[1])));

        var response = await client.PostAsync($"/guilds/{GuildId}/danger-zone/purge", Form(token, [.. fields]));

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {text[..Math.Min(text.Length, 2000)]}");
        Assert.Contains("Nothing was deleted:", text, StringComparison.Ordinal);
        Assert.Contains("needs a day (written yyyy-MM-dd", text, StringComparison.Ordinal);
        await using var db = Db.CreateContext();
        Assert.False(await db.PurgeRuns.AnyAsync());
        Assert.Null(await db.Guilds.Where(g => g.Id == GuildId).Select(g => g.AllChannelsPurgeCooldownUntil).FirstAsync());
        Assert.False(await db.Channels.AnyAsync(c => c.PurgeCooldownUntil != null));
    }

    [Theory]
    [InlineData("older", "2026-01-01", false)]
    [InlineData("failed", null, true)]
    [InlineData("all", null, false)]
    public async Task The_previews_purge_form_names_its_kind_and_that_kind_is_the_purge_scheduled(string what, string? olderThan, bool failedOnly)
    {
        var (client, token) = await OwnerAsync();
        var query = what == "all" ? "" : $"&what={what}" + (olderThan is null ? "" : $"&olderThan={olderThan}");
        var preview = await client.GetStringAsync($"/guilds/{GuildId}/danger-zone/preview?scope=AllChannels{query}");
        Assert.Contains($"name=\"what\" value=\"{what}\"", preview, StringComparison.Ordinal);

        var fields = new List<(string, string)> { ("scope", "AllChannels"), ("what", what), ("confirm", PurgeScopes.AllChannelsPhrase) };
        if (olderThan is not null)
        {
            fields.Add(("olderThan", olderThan));
        }

        var response = await client.PostAsync($"/guilds/{GuildId}/danger-zone/purge", Form(token, [.. fields]));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var db = Db.CreateContext();
        var run = await db.PurgeRuns.SingleAsync();
        Assert.Equal((olderThan is null ? (DateOnly?)null : DateOnly.Parse(olderThan, System.Globalization.CultureInfo.InvariantCulture), failedOnly), (run.OlderThan, run.FailedOnly));
    }

    [Theory]
    [InlineData("/guilds/{0}")]
    [InlineData("/guilds/{0}/settings")]
    [InlineData("/guilds/{0}/channels")]
    [InlineData("/guilds/{0}/clips")]
    [InlineData("/guilds/{0}/install")]
    [InlineData("/guilds/{0}/danger-zone")]
    [InlineData("/guilds/{0}/danger-zone/preview?scope=AllChannels")]
    [InlineData("/guilds/{0}/danger-zone/cliplist?scope=AllChannels")]
    public async Task A_guild_id_past_the_stored_range_is_a_404_on_every_guild_page(string path)
    {
        var client = App.CreateClientAs(TestDiscord.Id(DemoUsers.Owner.Id));
        foreach (var id in new[] { "9223372036854775808", "18446744073709551615" })
        {
            var response = await client.GetAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, path, id));

            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{path} with {id}: {(int)response.StatusCode}");
            Assert.DoesNotContain(ExceptionMarkers, m => text.Contains(m, StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData("scope=Everything")]
    [InlineData("scope=Channel&channelId=9223372036854775808")]
    [InlineData("scope=AllChannels&channelId=abc")]
    public async Task A_preview_with_a_garbled_query_is_a_400(string query)
    {
        var (client, _) = await OwnerAsync();

        var response = await client.GetAsync($"/guilds/{GuildId}/danger-zone/preview?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("/guilds/{0}/danger-zone/cliplist?scope=AllChannels&olderThan=")]
    [InlineData("/guilds/{0}/danger-zone/cliplist?scope=AllChannels&olderThan=%20")]
    [InlineData("/guilds/{0}/danger-zone/cliplist?scope=AllChannels&olderThan=28.11.2026")]
    [InlineData("/api/guilds/{0}/purges/preview/clips.csv?scope=all_channels&olderThan=")]
    [InlineData("/api/guilds/{0}/purges/preview/clips.csv?scope=all_channels&olderThan=%20")]
    public async Task A_clip_list_for_an_older_purge_without_a_readable_day_is_a_400_not_the_whole_scope(string path)
    {
        var client = path.StartsWith("/api/", StringComparison.Ordinal) ? await ApiClientAsync(DemoUsers.Owner.Id) : (await OwnerAsync()).Client;

        var response = await client.GetAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, path, GuildId));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task The_clip_list_downloads_as_csv_for_the_owner_with_one_row_per_clip_of_the_scope()
    {
        long otherChannel;
        await using (var db = Db.CreateContext())
        {
            otherChannel = await db.Channels.Where(c => c.GuildId == GuildId && c.Type == 0 && c.Id != ChannelId).Select(c => c.Id).FirstAsync();
            var author = TestDiscord.Id(DemoUsers.Owner.Id);
            db.Users.Add(new User { Id = author, Username = "owner", CreatedAt = DateTimeOffset.UtcNow });
            db.Clips.AddRange(Clip(ChannelId, author, "a.mp4"), Clip(ChannelId, author, "b, \"quoted\".mp4"), Clip(otherChannel, author, "c.mp4"));
            await db.SaveChangesAsync();
        }

        var (client, _) = await OwnerAsync();
        var response = await client.GetAsync($"/guilds/{GuildId}/danger-zone/cliplist?scope=Channel&channelId={ChannelId}");

        var lines = await ClipListCsv.ReadChannelListAsync(response, GuildId, ChannelId);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith($"{ChannelName},https://discord.com/channels/{GuildId}/{ChannelId}/", lines[1], StringComparison.Ordinal);
        Assert.Contains(",owner,a.mp4,", lines[1], StringComparison.Ordinal);
        Assert.Contains(",\"b, \"\"quoted\"\".mp4\",", lines[2], StringComparison.Ordinal);

        var all = await client.GetStringAsync($"/guilds/{GuildId}/danger-zone/cliplist?scope=AllChannels");
        Assert.Equal(4, all.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        // Like the preview it is linked from: the owner's alone (a manager gets the API's 403), and only for a
        // well-formed scope.
        var manager = App.CreateClientAs(TestDiscord.Id(DemoUsers.Manager.Id));
        Assert.Equal(HttpStatusCode.Forbidden, (await manager.GetAsync($"/guilds/{GuildId}/danger-zone/cliplist?scope=AllChannels")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await App.CreateClientAs(TestDiscord.Id(DemoUsers.Member.Id)).GetAsync($"/guilds/{GuildId}/danger-zone/cliplist?scope=AllChannels")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync($"/guilds/{GuildId}/danger-zone/cliplist?scope=Channel")).StatusCode);
    }

    [Fact]
    public async Task The_page_refuses_with_the_status_codes_of_the_api_a_manager_403_a_cooldown_429_with_retry_after()
    {
        var (manager, managerToken) = await OwnerAsync(DemoUsers.Manager.Id);
        var form = Form(managerToken, ("scope", "AllChannels"), ("confirm", "DELETE ALL CHANNELS"));
        var refused = await manager.PostAsync($"/guilds/{GuildId}/danger-zone/purge", form);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("only the server&#x27;s owner", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await manager.GetAsync($"/guilds/{GuildId}/danger-zone/preview?scope=AllChannels")).StatusCode);

        var (owner, token) = await OwnerAsync();
        Assert.Equal(HttpStatusCode.OK, (await owner.PostAsync($"/guilds/{GuildId}/danger-zone/purge", Form(token, ("scope", "AllChannels"), ("confirm", "DELETE ALL CHANNELS")))).StatusCode);
        await using (var db = Db.CreateContext())
        {
            await db.PurgeRuns.ExecuteUpdateAsync(s => s.SetProperty(p => p.Status, PurgeStatus.Completed));
        }

        var cooling = await owner.PostAsync($"/guilds/{GuildId}/danger-zone/purge", Form(token, ("scope", "AllChannels"), ("confirm", "DELETE ALL CHANNELS")));

        Assert.Equal(HttpStatusCode.TooManyRequests, cooling.StatusCode);
        Assert.InRange(cooling.Headers.RetryAfter!.Delta!.Value.TotalHours, 23.9, 24.0);
        Assert.Contains("purged less than 24 hours ago", await cooling.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private Clip Clip(long channelId, long authorId, string fileName) => TestData.Clip(GuildId, channelId, authorId, fileName, 1000, DateTimeOffset.UtcNow.AddMinutes(fileName[0] - 200));

}

namespace ClipSaver.Tests.Emulator;

public sealed class MessagePagingTests
{
    private static ulong[] Ids(JsonElement page) => [.. page.EnumerateArray().Select(m => ulong.Parse(m.GetProperty("id").GetString()!, CultureInfo.InvariantCulture))];

    [Fact]
    public async Task Pages_are_newest_first_and_walking_before_visits_every_message_once()
    {
        await using var emulator = await EmulatorTestHost.StartAsync(o => o.RateLimits.Enabled = false);
        var channel = emulator.FirstTextChannel(emulator.ClipClub.Id);
        var seen = new List<ulong>();
        var url = $"channels/{channel.Id}/messages?limit=100";
        while (true)
        {
            var page = Ids(await EmulatorTestHost.JsonAsync(await emulator.Bot.GetAsync(url)));
            Assert.Equal(page.OrderByDescending(x => x), page);
            seen.AddRange(page);
            if (page.Length < 100)
            {
                break;
            }

            url = $"channels/{channel.Id}/messages?limit=100&before={page[^1]}";
        }

        Assert.Equal(channel.MessageCount, seen.Count);
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Equal(50, Ids(await EmulatorTestHost.JsonAsync(await emulator.Bot.GetAsync($"channels/{channel.Id}/messages"))).Length);
    }

    [Fact]
    public async Task After_returns_the_next_messages_newest_first_and_around_centres_on_the_message()
    {
        await using var emulator = await EmulatorTestHost.StartAsync(o => o.RateLimits.Enabled = false);
        var channel = emulator.FirstTextChannel(emulator.ClipClub.Id);
        var all = emulator.World.Messages(channel.Id, 100).Select(m => m.Id).Reverse().ToArray(); // oldest first
        var after = Ids(await EmulatorTestHost.JsonAsync(await emulator.Bot.GetAsync($"channels/{channel.Id}/messages?after={all[10]}&limit=5")));
        Assert.Equal(all[11..16].Reverse(), after);

        var around = Ids(await EmulatorTestHost.JsonAsync(await emulator.Bot.GetAsync($"channels/{channel.Id}/messages?around={all[50]}&limit=10")));
        Assert.Equal(all[45..55].Reverse(), around);
        Assert.Contains(all[50], around);
    }

    [Theory]
    [InlineData("limit=0", "limit", "NUMBER_TYPE_MIN")]
    [InlineData("limit=101", "limit", "NUMBER_TYPE_MAX")]
    [InlineData("limit=ten", "limit", "NUMBER_TYPE_COERCE")]
    [InlineData("before=abc", "before", "NUMBER_TYPE_COERCE")]
    [InlineData("before=5&after=1", "after", "MESSAGE_QUERY_EXCLUSIVE")]
    [InlineData("after=5&around=1", "around", "MESSAGE_QUERY_EXCLUSIVE")]
    public async Task Bad_message_queries_answer_Discords_invalid_form_body(string query, string field, string code)
    {
        await using var emulator = await EmulatorTestHost.StartAsync();
        var channel = emulator.FirstTextChannel(emulator.ClipClub.Id);
        using var response = await emulator.Bot.GetAsync($"channels/{channel.Id}/messages?{query}");
        var json = await EmulatorTestHost.JsonAsync(response);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(50035, json.GetProperty("code").GetInt32());
        Assert.Equal("Invalid Form Body", json.GetProperty("message").GetString());
        Assert.Equal(code, json.GetProperty("errors").GetProperty(field).GetProperty("_errors")[0].GetProperty("code").GetString());
    }

    [Fact]
    public async Task Without_the_message_content_intent_content_attachments_and_embeds_are_empty()
    {
        await using var emulator = await EmulatorTestHost.StartAsync();
        var channel = emulator.FirstTextChannel(emulator.ClipClub.Id);
        var url = $"channels/{channel.Id}/messages?limit=100";
        var with = await EmulatorTestHost.JsonAsync(await emulator.Bot.GetAsync(url));
        Assert.Contains(with.EnumerateArray(), m => m.GetProperty("attachments").GetArrayLength() > 0);
        Assert.Contains(with.EnumerateArray(), m => m.GetProperty("content").GetString() != "");

        emulator.World.SetIntents(membersIntent: true, messageContentIntent: false);
        var without = await EmulatorTestHost.JsonAsync(await emulator.Bot.GetAsync(url));
        Assert.Equal(100, without.GetArrayLength());
        Assert.All(without.EnumerateArray(), m =>
        {
            Assert.Equal("", m.GetProperty("content").GetString());
            Assert.Equal(0, m.GetProperty("attachments").GetArrayLength());
            Assert.Equal(0, m.GetProperty("embeds").GetArrayLength());
        });
        var app = await EmulatorTestHost.JsonAsync(await emulator.Bot.GetAsync("applications/@me"));
        Assert.Equal(1L << 14, app.GetProperty("flags").GetInt64());
    }

    [Fact]
    public async Task Members_page_by_user_id_default_to_one_and_need_the_members_intent()
    {
        await using var emulator = await EmulatorTestHost.StartAsync(o => o.RateLimits.Enabled = false);
        var guild = emulator.ClipClub;
        var one = await EmulatorTestHost.JsonAsync(await emulator.Bot.GetAsync($"guilds/{guild.Id}/members"));
        Assert.Equal(1, one.GetArrayLength());

        var ids = new List<ulong>();
        var after = "0";
        while (true)
        {
            var page = await EmulatorTestHost.JsonAsync(await emulator.Bot.GetAsync($"guilds/{guild.Id}/members?limit=3&after={after}"));
            var pageIds = page.EnumerateArray().Select(m => ulong.Parse(m.GetProperty("user").GetProperty("id").GetString()!, CultureInfo.InvariantCulture)).ToList();
            ids.AddRange(pageIds);
            if (pageIds.Count < 3)
            {
                break;
            }

            after = pageIds[^1].ToString(CultureInfo.InvariantCulture);
        }

        Assert.Equal(emulator.World.Members(guild.Id).Select(m => m.User.Id), ids);
        Assert.Equal(ids.Order(), ids);
        Assert.Equal(HttpStatusCode.BadRequest, (await emulator.Bot.GetAsync($"guilds/{guild.Id}/members?limit=1001")).StatusCode);

        emulator.World.SetIntents(membersIntent: false, messageContentIntent: true);
        using var refused = await emulator.Bot.GetAsync($"guilds/{guild.Id}/members?limit=10");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(50001, (await EmulatorTestHost.JsonAsync(refused)).GetProperty("code").GetInt32());
        Assert.Equal(HttpStatusCode.OK, (await emulator.Bot.GetAsync($"guilds/{guild.Id}/members/{DemoUsers.Member.Id}")).StatusCode);
    }

    [Fact]
    public async Task Archived_threads_page_by_archive_time_with_has_more()
    {
        await using var emulator = await EmulatorTestHost.StartAsync();
        var channel = emulator.FirstTextChannel(emulator.ClipClub.Id);
        var first = await EmulatorTestHost.JsonAsync(await emulator.Bot.GetAsync($"channels/{channel.Id}/threads/archived/public?limit=2"));
        Assert.Equal(2, first.GetProperty("threads").GetArrayLength());
        var last = first.GetProperty("threads")[1].GetProperty("thread_metadata").GetProperty("archive_timestamp").GetString();

        var second = await EmulatorTestHost.JsonAsync(await emulator.Bot.GetAsync($"channels/{channel.Id}/threads/archived/public?limit=2&before={Uri.EscapeDataString(last!)}"));
        Assert.False(second.GetProperty("has_more").GetBoolean());
        Assert.All(second.GetProperty("threads").EnumerateArray(), t =>
            Assert.True(DateTimeOffset.Parse(t.GetProperty("thread_metadata").GetProperty("archive_timestamp").GetString()!, CultureInfo.InvariantCulture) < DateTimeOffset.Parse(last!, CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task Unknown_hidden_and_left_guilds_answer_Discords_error_codes()
    {
        await using var emulator = await EmulatorTestHost.StartAsync();
        var vault = emulator.World.Guilds.Single(g => g.Name == "Speedrun Vault");
        async Task<(HttpStatusCode, int)> Get(string url)
        {
            using var response = await emulator.Bot.GetAsync(url);
            return (response.StatusCode, (await EmulatorTestHost.JsonAsync(response)).GetProperty("code").GetInt32());
        }

        Assert.Equal((HttpStatusCode.Forbidden, 50001), await Get($"guilds/{vault.Id}/channels"));
        Assert.Equal((HttpStatusCode.NotFound, 10004), await Get("guilds/123/channels"));
        Assert.Equal((HttpStatusCode.NotFound, 10003), await Get("channels/123/messages"));

        var club = emulator.ClipClub;
        using var leave = await emulator.Bot.DeleteAsync($"users/@me/guilds/{club.Id}");
        Assert.Equal(HttpStatusCode.NoContent, leave.StatusCode);
        Assert.False(emulator.World.BotIsIn(club.Id));
        Assert.Equal((HttpStatusCode.Forbidden, 50001), await Get($"guilds/{club.Id}"));
        var guilds = await EmulatorTestHost.JsonAsync(await emulator.Bot.GetAsync("users/@me/guilds"));
        Assert.DoesNotContain(guilds.EnumerateArray(), g => g.GetProperty("id").GetString() == club.Id.ToString(CultureInfo.InvariantCulture));

        using var noAgent = emulator.NewClient($"Bot {emulator.Options.BotToken}", userAgent: false);
        Assert.Equal(HttpStatusCode.BadRequest, (await noAgent.GetAsync("users/@me")).StatusCode);
    }

    [Fact]
    public async Task Posted_and_deleted_messages_show_up_in_the_pages()
    {
        await using var emulator = await EmulatorTestHost.StartAsync();
        var channel = emulator.FirstTextChannel(emulator.ClipClub.Id);
        var before = emulator.World.CountMessages(channel.Id);
        var posted = emulator.World.PostMessage(channel.Id, DemoUsers.Member.Id, "fresh clip", new NewAttachment("fresh.mp4", 4096, "video/mp4", Flags: 1));
        var oldest = emulator.World.Messages(channel.Id, 100)[^1];
        Assert.True(emulator.World.DeleteMessage(channel.Id, oldest.Id));

        var newest = await EmulatorTestHost.JsonAsync(await emulator.Bot.GetAsync($"channels/{channel.Id}/messages?limit=1"));
        Assert.Equal(posted.Id.ToString(CultureInfo.InvariantCulture), newest[0].GetProperty("id").GetString());
        Assert.Equal(1, newest[0].GetProperty("attachments")[0].GetProperty("flags").GetInt32());
        Assert.Equal(HttpStatusCode.NotFound, (await emulator.Bot.GetAsync($"channels/{channel.Id}/messages/{oldest.Id}")).StatusCode);
        Assert.Equal(before, emulator.World.CountMessages(channel.Id));
    }
}

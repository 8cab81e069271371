using ClipSaver.Core.Clips;

namespace ClipSaver.Tests.Api;

/// <summary>
/// The clip list's search (docs/decisions/025-clip-search.md): a piece of the file name in any case, taken literally,
/// with the other filters and the cursor, in the page, the API and the total; a search that cannot be looked for is
/// refused the same way everywhere.
/// </summary>
public sealed class ClipSearchTests : ClipClubTestBase
{
    private static long OwnerId => TestDiscord.Id(DemoUsers.Owner.Id);

    private static Actor Owner => Actor.User(OwnerId);

    /// <summary>A clip posted <paramref name="minutesAgo"/> minutes ago in <paramref name="channelId"/> (the test's channel by default), counted by the channel.</summary>
    private async Task<long> ClipAsync(string fileName, int minutesAgo, long? channelId = null)
    {
        await using var db = Db.CreateContext();
        var channel = channelId ?? ChannelId;
        var clip = TestData.Clip(GuildId, channel, OwnerId, fileName, 10, DateTimeOffset.UtcNow.AddMinutes(-minutesAgo));
        db.Clips.Add(clip);
        await db.SaveChangesAsync();
        await db.Channels.Where(c => c.Id == channel).ExecuteUpdateAsync(s => s.SetProperty(c => c.ClipCount, c => c.ClipCount + 1));
        return clip.Id;
    }

    /// <summary>Clips with these names, the first posted a minute ago, each next one a minute earlier.</summary>
    private async Task ClipsAsync(params string[] fileNames)
    {
        for (var i = 0; i < fileNames.Length; i++)
        {
            await ClipAsync(fileNames[i], i + 1);
        }
    }

    private async Task<IReadOnlyList<string>> FoundAsync(string search, long? channelId = null)
    {
        ListClipsResult result = null!;
        await RunAsync<ListClips>(async l => result = await l.ListAsync(Owner, GuildId, new ClipFilter(ChannelId: channelId, Search: search), 50, CancellationToken.None));
        return [.. Assert.IsType<ListClipsResult.Listed>(result).Clips.Select(c => c.FileName).Order(StringComparer.Ordinal)];
    }

    private static IEnumerable<string?> Ids(JsonElement page) => page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString());

    private static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_search_finds_a_piece_of_the_file_name_in_any_case_in_the_use_case_the_API_and_the_page_and_the_total_counts_only_matches()
    {
        var ace = await ClipAsync("Valorant ace.mp4", 1);
        var clutch = await ClipAsync("my VALORANT-clutch.MP4", 2);
        await ClipAsync("minecraft.mp4", 3);

        Assert.Equal(["Valorant ace.mp4", "my VALORANT-clutch.MP4"], await FoundAsync("valor"));
        Assert.Equal(["Valorant ace.mp4"], await FoundAsync("  ACE.mp4 "));
        Assert.Empty(await FoundAsync("fortnite"));

        var api = await ApiClientAsync(DemoUsers.Owner.Id);
        Assert.Equal([Id(ace), Id(clutch)], Ids(JsonDocument.Parse(await api.GetStringAsync($"/api/guilds/{GuildId}/clips?q=VaLoR")).RootElement));

        var browser = App.CreateClientAs(OwnerId);
        var page = await browser.GetStringAsync($"/guilds/{GuildId}/clips?q=valor");
        Assert.Contains("2 clips match", page, StringComparison.Ordinal);
        Assert.Contains("my VALORANT-clutch.MP4", page, StringComparison.Ordinal);
        Assert.DoesNotContain("minecraft.mp4", page, StringComparison.Ordinal);
        Assert.Contains("value=\"valor\"", page, StringComparison.Ordinal);
        Assert.Contains("0 clips match", await browser.GetStringAsync($"/guilds/{GuildId}/clips?q=fortnite"), StringComparison.Ordinal);

        // Only spaces is no search: the whole list, read from the channels' counters.
        var blank = await browser.GetStringAsync($"/guilds/{GuildId}/clips?q=%20%20");
        Assert.Contains("3 clips", blank, StringComparison.Ordinal);
        Assert.DoesNotContain("clips match", blank, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Percent_underscore_and_backslash_in_a_search_match_only_themselves()
    {
        await ClipsAsync("100% win.mp4", "1000 wins.mp4", "a_b.mp4", "axb.mp4", @"back\slash.mp4", "backslash.mp4");

        Assert.Equal(["100% win.mp4"], await FoundAsync("100%"));
        Assert.Equal(["a_b.mp4"], await FoundAsync("a_b"));
        Assert.Equal([@"back\slash.mp4"], await FoundAsync(@"k\s"));
        Assert.Empty(await FoundAsync("%%"));
        Assert.Empty(await FoundAsync("_____________________"));

        var api = await ApiClientAsync(DemoUsers.Owner.Id);
        var found = JsonDocument.Parse(await api.GetStringAsync($"/api/guilds/{GuildId}/clips?q={Uri.EscapeDataString("0%")}")).RootElement;
        Assert.Equal(["100% win.mp4"], found.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("fileName").GetString()));
    }

    [Fact]
    public async Task A_search_goes_with_the_channel_filter_and_the_cursor_pages_through_only_its_matches_and_the_page_keeps_it_in_its_addresses()
    {
        long other;
        await using (var db = Db.CreateContext())
        {
            other = await db.Channels.Where(c => c.GuildId == GuildId && c.Id != ChannelId && c.Type == 0 && !c.IsThread).Select(c => c.Id).FirstAsync();
        }

        var goals = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            goals.Add(await ClipAsync($"goal {i}.mp4", 10 + (i * 2)));
            await ClipAsync($"save {i}.mp4", 11 + (i * 2));
        }

        await ClipAsync("goal elsewhere.mp4", 1, other);

        var api = await ApiClientAsync(DemoUsers.Owner.Id);
        var seen = new List<string?>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var url = $"/api/guilds/{GuildId}/clips?channelId={ChannelId}&q=GOAL&limit=2" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}");
            var page = JsonDocument.Parse(await api.GetStringAsync(url)).RootElement;
            seen.AddRange(Ids(page));
            cursor = page.GetProperty("nextCursor").GetString();
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(goals.Select(Id), seen);
        Assert.Equal(3, pages);

        // Oldest first too: the same matches, the other way round.
        var oldest = JsonDocument.Parse(await api.GetStringAsync($"/api/guilds/{GuildId}/clips?channelId={ChannelId}&q=goal&sort=oldest")).RootElement;
        Assert.Equal(goals.Select(Id).Reverse(), Ids(oldest));

        // The page: the total of the search in the channel, and the load-more address that keeps the search.
        var browser = App.CreateClientAs(OwnerId);
        var html = await browser.GetStringAsync($"/guilds/{GuildId}/clips?Channel={ChannelId}&q=goal");
        Assert.Contains("5 clips match", html, StringComparison.Ordinal);
        Assert.DoesNotContain("goal elsewhere.mp4", html, StringComparison.Ordinal);
        Assert.Contains("6 clips match", await browser.GetStringAsync($"/guilds/{GuildId}/clips?q=goal"), StringComparison.Ordinal);
        var loadMore = System.Text.RegularExpressions.Regex.Match(html, "hx-get=\"([^\"]+)\"[^>]*data-testid=\"load-more\"");
        Assert.False(loadMore.Success, "24 to a page: five matches have no load-more link.");

        for (var i = 0; i < 25; i++)
        {
            await ClipAsync($"goal more {i}.mp4", 100 + i);
        }

        var full = await browser.GetStringAsync($"/guilds/{GuildId}/clips?Channel={ChannelId}&q=goal");
        var next = System.Net.WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Match(full, "hx-get=\"([^\"]+)\"[^>]*data-testid=\"load-more\"").Groups[1].Value);
        Assert.Contains("q=goal", next, StringComparison.Ordinal);
        Assert.Contains("After=", next, StringComparison.Ordinal);
        var rest = await browser.GetStringAsync(next);
        Assert.Equal(6, System.Text.RegularExpressions.Regex.Count(rest, "data-testid=\"clip\""));
        Assert.DoesNotContain("save ", rest, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_search_folds_the_case_of_letters_beyond_ASCII()
    {
        // The database's character type decides how ILIKE and the trigram index fold case; the local cluster uses
        // C.UTF-8 for it (the C locale folds A-Z only, so "émilie" never found "ÉMILIE").
        await ClipsAsync("ÉMILIE's ace.mp4", "Ça marche.mp4", "ΣΟΦΊΑ clutch.mp4", "emilie.mp4");

        Assert.Equal(["ÉMILIE's ace.mp4"], await FoundAsync("émilie"));
        Assert.Equal(["Ça marche.mp4"], await FoundAsync("ça MARCHE"));
        Assert.Equal(["ΣΟΦΊΑ clutch.mp4"], await FoundAsync("σοφία"));
    }

    [Fact]
    public async Task A_search_counts_its_matches_up_to_a_thousand_then_says_more_than_a_thousand()
    {
        await using (var db = Db.CreateContext())
        {
            var at = DateTimeOffset.UtcNow.AddDays(-1);
            db.Clips.AddRange(Enumerable.Range(0, ListClips.SearchCountLimit + 1).Select(i => TestData.Clip(GuildId, ChannelId, OwnerId, $"Rocket League {i}.mp4", 10, at.AddSeconds(-i))));
            await db.SaveChangesAsync();
        }

        await ClipAsync("Rocket League last.mp4", 1);
        var browser = App.CreateClientAs(OwnerId);
        ClipTotal? total = null;
        await RunAsync<ListClips>(async l => total = await l.CountAsync(Owner, GuildId, new ClipFilter(Search: "rocket"), CancellationToken.None));

        Assert.Equal(new ClipTotal(ListClips.SearchCountLimit, AtLeast: true), total);
        Assert.Contains("More than 1,000 clips match", await browser.GetStringAsync($"/guilds/{GuildId}/clips?q=rocket"), StringComparison.Ordinal);
        // "League 99" and "League 990" to "League 999".
        Assert.Contains("11 clips match", await browser.GetStringAsync($"/guilds/{GuildId}/clips?q=league%2099"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(101, "")]
    [InlineData(3, "%0A")]
    [InlineData(3, "%00")]
    public async Task A_search_too_long_or_with_control_characters_is_a_400_that_says_so_in_the_API_and_the_page(int letters, string control)
    {
        await ClipAsync("kept.mp4", 1);
        // The control character in the middle: a line break at either end is trimmed away like a space.
        var q = "a" + control + new string('a', letters - 1);

        var api = await (await ApiClientAsync(DemoUsers.Owner.Id)).GetAsync($"/api/guilds/{GuildId}/clips?q={q}");
        var page = await App.CreateClientAs(OwnerId).GetAsync($"/guilds/{GuildId}/clips?q={q}");

        Assert.Equal(HttpStatusCode.BadRequest, api.StatusCode);
        Assert.Equal("application/problem+json", api.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await api.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(ClipSearch.Title, problem.GetProperty("title").GetString());
        var why = problem.GetProperty("errors").GetProperty("q")[0].GetString()!;
        Assert.Contains(control.Length == 0 ? "at most 100 characters" : "control characters", why, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.BadRequest, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("data-testid=\"search-error\"", html, StringComparison.Ordinal);
        Assert.Contains(System.Net.WebUtility.HtmlEncode(why), html, StringComparison.Ordinal);
        Assert.DoesNotContain("kept.mp4", html, StringComparison.Ordinal);

        // A hundred characters is still a search.
        Assert.Equal(HttpStatusCode.OK, (await (await ApiClientAsync(DemoUsers.Owner.Id)).GetAsync($"/api/guilds/{GuildId}/clips?q={new string('a', 100)}")).StatusCode);
    }

    [Fact]
    public async Task The_chosen_days_are_written_as_the_pages_write_dates_under_the_filter()
    {
        var browser = App.CreateClientAs(OwnerId);

        Assert.Contains("From 3 Nov 2026 to 28 Nov 2026 (UTC)", await browser.GetStringAsync($"/guilds/{GuildId}/clips?From=2026-11-03&To=2026-11-28"), StringComparison.Ordinal);
        Assert.Contains("From 3 Nov 2026 on (UTC)", await browser.GetStringAsync($"/guilds/{GuildId}/clips?From=2026-11-03"), StringComparison.Ordinal);
        Assert.Contains("Up to 28 Nov 2026 (UTC)", await browser.GetStringAsync($"/guilds/{GuildId}/clips?To=2026-11-28"), StringComparison.Ordinal);
        Assert.DoesNotContain("data-testid=\"clip-days\"", await browser.GetStringAsync($"/guilds/{GuildId}/clips"), StringComparison.Ordinal);
    }
}

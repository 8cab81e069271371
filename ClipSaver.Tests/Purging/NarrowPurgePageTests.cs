namespace ClipSaver.Tests.Purging;

/// <summary>The danger zone's narrower purges over HTTP: the options' previews and refusals, and a run's live progress.</summary>
public sealed class NarrowPurgePageTests : ClipClubTestBase
{
    private async Task<(HttpClient Client, string Token)> OwnerAsync()
    {
        var client = App.CreateClientAs(TestDiscord.Id(DemoUsers.Owner.Id));
        var page = await client.GetStringAsync($"/guilds/{GuildId}/danger-zone");
        return (client, CsrfTokenOf(page));
    }

    private static FormUrlEncodedContent Form(string token, params (string Name, string Value)[] fields) =>
        new([new("__RequestVerificationToken", token), .. fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value))]);

    [Fact]
    public async Task The_options_preview_in_the_pages_own_date_format_and_bad_ones_are_refused_with_a_sentence()
    {
        var (client, token) = await OwnerAsync();
        client.DefaultRequestHeaders.Add("HX-Request", "true");
        var preview = $"/guilds/{GuildId}/danger-zone/preview?scope=Channel&channelId={ChannelId}";
        var future = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(3).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

        var older = await client.GetStringAsync($"{preview}&what=older&olderThan=2026-01-01");
        Assert.Contains("clips posted before 1 Jan 2026", older, StringComparison.Ordinal);
        Assert.Contains("name=\"olderThan\" value=\"2026-01-01\"", older, StringComparison.Ordinal);
        var noDate = await client.GetStringAsync($"{preview}&what=older&olderThan=");
        Assert.True(noDate.Contains("Choose a day", StringComparison.Ordinal), noDate);
        Assert.Contains("failed downloads", await client.GetStringAsync($"{preview}&what=failed"), StringComparison.Ordinal);
        var tooLate = await client.GetAsync($"{preview}&what=older&olderThan={future}");
        Assert.Equal((HttpStatusCode)422, tooLate.StatusCode);
        Assert.Contains("in the future", await tooLate.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync($"{preview}&what=older&olderThan=12%2F31%2F2025")).StatusCode);

        var garbled = await client.PostAsync($"/guilds/{GuildId}/danger-zone/purge", Form(token, ("scope", "Channel"), ("channelId", $"{ChannelId}"), ("confirm", ChannelName), ("olderThan", "soon")));
        Assert.Equal(HttpStatusCode.BadRequest, garbled.StatusCode);
        var both = await client.PostAsync($"/guilds/{GuildId}/danger-zone/purge",
            Form(token, ("scope", "AllChannels"), ("confirm", PurgeScopes.AllChannelsPhrase), ("olderThan", "2026-01-01"), ("failedOnly", "true")));
        Assert.Equal((HttpStatusCode)422, both.StatusCode);
        Assert.Contains("Nothing was deleted: Choose one", await both.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        await using var db = Db.CreateContext();
        Assert.False(await db.PurgeRuns.AnyAsync());
    }

    [Fact]
    public async Task A_running_purge_shows_its_steps_its_counts_and_the_time_left_once_there_is_enough_to_go_on()
    {
        var (client, _) = await OwnerAsync();
        client.DefaultRequestHeaders.Add("HX-Request", "true");
        var now = DateTimeOffset.UtcNow;
        await using var db = Db.CreateContext();
        PurgeRun Running(long done) => new()
        {
            GuildId = GuildId,
            Scope = PurgeScope.AllChannels,
            Status = PurgeStatus.Running,
            Step = "deleting_rows",
            RequestedAt = now.AddMinutes(-20),
            NotBefore = now.AddMinutes(-18),
            StartedAt = now.AddSeconds(-1002),
            PreviewJson = JsonSerializer.Serialize(new PurgePreview(400, 400, 0, 0, 0, 3), JsonSerializerOptions.Web),
            ProgressJson = $$$"""{"rows_deleted": {"clips": {{{done}}}}, "timings_ms": {"stopping_scans": 2000}}""",
        };
        var (going, starting) = (Running(100), Running(0));
        db.PurgeRuns.AddRange(going, starting);
        await db.SaveChangesAsync();

        var html = await client.GetStringAsync($"/guilds/{GuildId}/danger-zone/progress?runId={going.Id}");
        Assert.Matches(@"class=""step-done"">[^<]*stopping scans</li>", html);
        Assert.Matches(@"class=""step-now"">[^<]*deleting records \(now\)</li>", html);
        Assert.Matches(@"class=""step-to-come"">deleting files</li>", html);
        Assert.Matches(@"<strong>100</strong> of 400 clips deleted", html);
        // 100 clips in the 1,000 seconds since the scans stopped: 300 left at 0.1 a second, 3,000 seconds (the time the
        // request takes adds three times itself, which the rounding to minutes absorbs).
        Assert.Contains("Time left: about 50 minutes.", html, StringComparison.Ordinal);

        var early = await client.GetStringAsync($"/guilds/{GuildId}/danger-zone/progress?runId={starting.Id}");
        Assert.Contains("Time left: estimating", early, StringComparison.Ordinal);
    }
}

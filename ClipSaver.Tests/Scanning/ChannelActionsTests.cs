namespace ClipSaver.Tests.Scanning;

/// <summary>
/// The channel actions (archive switch, scan now, stop scans) keep their rules in their use cases: the same refusal
/// gets the same status from the page and from the API, and a member without rights learns nothing.
/// </summary>
public sealed class ChannelActionsTests : ClipClubTestBase
{
    /// <summary>Posts one of the channel page's htmx forms (the row comes back as a fragment, with the refusal's status).</summary>
    private async Task<HttpResponseMessage> PostRowAsync(string handler, params (string Name, string Value)[] fields)
    {
        var browser = App.CreateClientAs(TestDiscord.Id(DemoUsers.Owner.Id));
        var token = CsrfTokenOf(await browser.GetStringAsync($"/guilds/{GuildId}/channels"));
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/guilds/{GuildId}/channels/{handler}")
        {
            Content = new FormUrlEncodedContent([new("__RequestVerificationToken", token), new("channelId", ChannelId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                .. fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value))]),
        };
        request.Headers.Add("HX-Request", "true");
        return await browser.SendAsync(request);
    }

    [Fact]
    public async Task Switching_on_an_NSFW_channel_the_settings_do_not_allow_is_a_409_in_the_page_and_the_API_and_changes_nothing()
    {
        await using (var db = Db.CreateContext())
        {
            await db.Channels.Where(c => c.Id == ChannelId).ExecuteUpdateAsync(s => s.SetProperty(c => c.Nsfw, true));
        }

        var page = await PostRowAsync("toggle", ("on", "true"));
        var api = await (await ApiClientAsync(DemoUsers.Owner.Id)).PutAsync($"/api/guilds/{GuildId}/channels/{ChannelId}/archiving", new StringContent("{\"enabled\":true}", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Conflict, page.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, api.StatusCode);
        Assert.Contains(ChannelArchiving.NsfwMessage, await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains(ChannelArchiving.NsfwMessage, await api.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await using var check = Db.CreateContext();
        Assert.False(await check.Channels.Where(c => c.Id == ChannelId).Select(c => c.IsReading).SingleAsync());
        Assert.False(await check.ScanRuns.AnyAsync(r => r.ChannelId == ChannelId));
    }

    [Fact]
    public async Task Scan_now_on_a_channel_that_is_not_archived_is_a_409_in_the_page_and_the_API_and_queues_nothing()
    {
        var page = await PostRowAsync("scan");
        var api = await (await ApiClientAsync(DemoUsers.Owner.Id)).PostAsync($"/api/guilds/{GuildId}/channels/{ChannelId}/scans", null);

        Assert.Equal(HttpStatusCode.Conflict, page.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, api.StatusCode);
        Assert.Contains(ScanNow.NotArchivedMessage, await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains(ScanNow.NotArchivedMessage, await api.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await using var db = Db.CreateContext();
        Assert.False(await db.ScanRuns.AnyAsync(r => r.ChannelId == ChannelId));
    }

    [Fact]
    public async Task A_member_without_rights_gets_not_found_from_every_channel_action_and_nothing_changes()
    {
        var member = Actor.User(TestDiscord.Id(DemoUsers.Member.Id));
        var switched = ArchiveSwitchResult.Done;
        ScanNowResult scan = null!;
        StopScansResult stop = null!;
        await RunAsync<ChannelArchiving>(async a => switched = await a.SetAsync(member, GuildId, ChannelId, true, CancellationToken.None));
        await using (var db = Db.CreateContext())
        {
            await db.Channels.Where(c => c.Id == ChannelId).ExecuteUpdateAsync(s => s.SetProperty(c => c.IsReading, true));
        }

        await RunAsync<ScanNow>(async s => scan = await s.StartAsync(member, GuildId, ChannelId, CancellationToken.None));
        await RunAsync<StopScans>(async s => stop = await s.StopAsync(member, GuildId, ChannelId, CancellationToken.None));

        Assert.Equal(ArchiveSwitchResult.UnknownGuild, switched);
        Assert.Equal("guild", Assert.IsType<ScanNowResult.NotFound>(scan).What);
        Assert.Equal("guild", Assert.IsType<StopScansResult.NotFound>(stop).What);
        await using var check = Db.CreateContext();
        Assert.False(await check.ScanRuns.AnyAsync(r => r.ChannelId == ChannelId));
        Assert.False(await check.AuditEvents.AnyAsync(a => a.GuildId == GuildId && a.Action.StartsWith("channel.")));
    }

    [Fact]
    public async Task The_owner_scans_now_and_stops_the_scan_through_the_use_cases()
    {
        var owner = Actor.User(TestDiscord.Id(DemoUsers.Owner.Id));
        await using (var db = Db.CreateContext())
        {
            await db.Channels.Where(c => c.Id == ChannelId).ExecuteUpdateAsync(s => s.SetProperty(c => c.IsReading, true));
        }

        ScanNowResult scan = null!;
        StopScansResult stop = null!;
        await RunAsync<ScanNow>(async s => scan = await s.StartAsync(owner, GuildId, ChannelId, CancellationToken.None));
        await RunAsync<StopScans>(async s => stop = await s.StopAsync(owner, GuildId, ChannelId, CancellationToken.None));

        var started = Assert.IsType<ScanNowResult.Started>(scan);
        Assert.Equal(1, Assert.IsType<StopScansResult.Stopped>(stop).Scans);
        await using var check = Db.CreateContext();
        var run = await check.ScanRuns.SingleAsync(r => r.Id == started.ScanId);
        Assert.Equal((ClipSaver.Core.Data.ScanKind.Manual, ClipSaver.Core.Data.ScanStatus.Cancelled, StopScans.Reason), (run.Kind, run.Status, run.Error));
    }
}

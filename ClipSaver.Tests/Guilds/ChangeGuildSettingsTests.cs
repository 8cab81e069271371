namespace ClipSaver.Tests.Guilds;

/// <summary>Changing a guild's settings has its rules in one use case: rights, the removed guild, validation, one audit event.</summary>
public sealed class ChangeGuildSettingsTests : ClipClubTestBase
{
    private async Task<SettingsChangeResult> ChangeAsync(Actor actor, GuildSettings settings)
    {
        SettingsChangeResult result = null!;
        await RunAsync<ChangeGuildSettings>(async c => result = await c.ChangeAsync(actor, GuildId, settings, CancellationToken.None));
        return result;
    }

    [Fact]
    public async Task A_member_without_rights_is_refused_as_if_the_guild_did_not_exist_and_nothing_is_written()
    {
        var result = await ChangeAsync(Actor.User(TestDiscord.Id(DemoUsers.Member.Id)), new GuildSettings { MaxFileSizeMb = 10 });

        Assert.IsType<SettingsChangeResult.UnknownGuild>(result);
        await using var db = Db.CreateContext();
        Assert.False(await db.AuditEvents.AnyAsync(a => a.GuildId == GuildId && a.Action == "settings.changed"));
        Assert.False(await db.GuildSettings.AnyAsync(s => s.GuildId == GuildId));
    }

    [Fact]
    public async Task Invalid_settings_and_a_removed_guild_are_refused_and_write_no_audit_event()
    {
        var owner = Actor.User(TestDiscord.Id(DemoUsers.Owner.Id));
        var invalid = Assert.IsType<SettingsChangeResult.Invalid>(await ChangeAsync(owner, new GuildSettings { MaxFileSizeMb = 0 }));
        Assert.Equal([nameof(GuildSettings.MaxFileSizeMb)], invalid.Errors.Keys);

        await using (var db = Db.CreateContext())
        {
            await db.Guilds.Where(g => g.Id == GuildId).ExecuteUpdateAsync(s => s.SetProperty(g => g.DeletedAt, DateTimeOffset.UtcNow));
        }

        Assert.IsType<SettingsChangeResult.GuildRemoved>(await ChangeAsync(owner, new GuildSettings { MaxFileSizeMb = 10 }));
        await using var check = Db.CreateContext();
        Assert.False(await check.AuditEvents.AnyAsync(a => a.GuildId == GuildId && a.Action == "settings.changed"));
        Assert.False(await check.GuildSettings.AnyAsync(s => s.GuildId == GuildId));
    }

    [Fact]
    public async Task The_page_and_the_API_each_write_the_same_single_audit_event_with_the_actor_and_both_values()
    {
        var manager = TestDiscord.Id(DemoUsers.Manager.Id);
        var api = await ApiClientAsync(DemoUsers.Manager.Id);
        var put = await api.PutAsync($"/api/guilds/{GuildId}/settings", new StringContent("{\"maxFileSizeMb\":42}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        var browser = App.CreateClientAs(manager);
        var token = CsrfTokenOf(await browser.GetStringAsync($"/guilds/{GuildId}/settings"));
        var post = await browser.PostAsync($"/guilds/{GuildId}/settings", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["Form.MaxFileSizeMb"] = "43",
            ["Form.ClipExtensions"] = "mp4",
            ["Form.DepartedMemberClips"] = "Keep",
        }));
        Assert.Equal(HttpStatusCode.Redirect, post.StatusCode);

        await using var db = Db.CreateContext();
        var events = await db.AuditEvents.Where(a => a.GuildId == GuildId && a.Action == "settings.changed").OrderBy(a => a.Id).ToListAsync();
        Assert.Equal(2, events.Count);
        Assert.All(events, e => Assert.Equal(("settings.changed", "Settings changed.", (long?)manager), (e.Action, e.Summary, e.ActorUserId)));
        int MaxMb(string? json, string which) => System.Text.Json.JsonDocument.Parse(json!).RootElement.GetProperty(which).GetProperty("maxFileSizeMb").GetInt32();
        Assert.Equal((500, 42), (MaxMb(events[0].DataJson, "before"), MaxMb(events[0].DataJson, "after")));
        Assert.Equal((42, 43), (MaxMb(events[1].DataJson, "before"), MaxMb(events[1].DataJson, "after")));
        Assert.Equal(43, GuildSettings.Merge(new GuildSettings(), await db.GuildSettings.Where(s => s.GuildId == GuildId).Select(s => s.Json).SingleAsync()).MaxFileSizeMb);
    }
}

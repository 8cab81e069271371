namespace ClipSaver.Tests.Access;

public sealed class GuildAccessTests : AppTestBase
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?> { ["ClipSaver:Access:CacheDuration"] = "00:00:01" };

    [Fact]
    public async Task Owner_and_manager_see_the_guild_a_member_and_a_stranger_get_404()
    {
        await ReconcileAsync();
        var guild = DemoGuild("Clip Club");

        Assert.Equal(HttpStatusCode.OK, (await App.CreateClientAs(TestDiscord.Id(DemoUsers.Owner.Id)).GetAsync($"/guilds/{guild.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await App.CreateClientAs(TestDiscord.Id(DemoUsers.Manager.Id)).GetAsync($"/guilds/{guild.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await App.CreateClientAs(TestDiscord.Id(DemoUsers.Member.Id)).GetAsync($"/guilds/{guild.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await App.CreateClientAs(123456789012345678).GetAsync($"/guilds/{guild.Id}/settings")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await App.CreateClientAs(TestDiscord.Id(DemoUsers.Owner.Id)).GetAsync("/guilds/999999999999999999")).StatusCode);
    }

    [Fact]
    public async Task A_manager_who_loses_manage_guild_on_discord_loses_access_within_the_cache_time()
    {
        await ReconcileAsync();
        var guild = DemoGuild("Clip Club");
        var manager = App.CreateClientAs(TestDiscord.Id(DemoUsers.Manager.Id));
        Assert.Equal(HttpStatusCode.OK, (await manager.GetAsync($"/guilds/{guild.Id}/channels")).StatusCode);

        Discord.World.SetMemberRoles(guild.Id, DemoUsers.Manager.Id);
        await Task.Delay(TimeSpan.FromSeconds(1.2));

        Assert.Equal(HttpStatusCode.NotFound, (await manager.GetAsync($"/guilds/{guild.Id}/channels")).StatusCode);
    }

    [Fact]
    public async Task A_tampered_state_on_the_login_callback_is_refused_with_a_clear_page()
    {
        var client = App.CreateClientAs(null);
        var start = await client.GetAsync("/login");
        Assert.Equal(HttpStatusCode.Redirect, start.StatusCode);
        Assert.Contains("state=", start.Headers.Location!.Query, StringComparison.Ordinal);

        var callback = await client.GetAsync("/signin-discord?code=made-up&state=tampered-state");

        Assert.Equal(HttpStatusCode.Redirect, callback.StatusCode);
        Assert.Equal("/login/failed", callback.Headers.Location!.OriginalString);
        var page = await client.GetAsync("/login/failed");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }
}

namespace ClipSaver.Tests.Guilds;

public sealed class GuildLifecycleTests : AppTestBase
{
    [Fact]
    public async Task Reconciliation_is_idempotent_twice_in_a_row_and_two_at_once()
    {
        var club = await ReconciledDemoGuildAsync("Clip Club");
        Discord.World.RemoveBotFromGuild(club.Id);

        await Task.WhenAll(ReconcileAsync(), ReconcileAsync());
        await ReconcileAsync();

        await using var db = Db.CreateContext();
        var guild = await db.Guilds.SingleAsync(g => g.Id == (long)club.Id);
        Assert.Equal(GuildDeletionReason.BotRemoved, guild.DeletionReason);
        Assert.Equal(1, await db.AuditEvents.CountAsync(a => a.GuildId == (long)club.Id && a.Action == "guild.removed"));
        Assert.Equal(Discord.World.Guilds.Count(g => g.BotPresent), await db.Guilds.CountAsync(g => g.DeletedAt == null));
        Assert.Equal(1, await db.AuditEvents.CountAsync(a => a.GuildId == (long)club.Id && a.Action == "guild.added"));

        // Back on Discord: restored with its data, once.
        Discord.World.AddBotToGuild(club.Id);
        await ReconcileAsync();
        await ReconcileAsync();
        Assert.Null(await db.Guilds.Where(g => g.Id == (long)club.Id).Select(g => g.DeletedAt).FirstAsync());
        Assert.Equal(1, await db.AuditEvents.CountAsync(a => a.GuildId == (long)club.Id && a.Action == "guild.restored"));
    }

    [Fact]
    public async Task Two_channel_syncs_of_one_guild_at_once_record_each_new_channel_once_and_both_succeed()
    {
        // The reconciliation and the Gateway's GUILD_CREATE sync a guild's channels at the same moment on a first
        // start: both saw none stored and both inserted them, and the demo's seeding stopped the app.
        var club = await ReconciledDemoGuildAsync("Clip Club");
        for (var round = 0; round < 5; round++)
        {
            var found = Enumerable.Range(0, 20)
                .Select(i => new DiscordChannel(new Snowflake((ulong)(9_000_000_000 + (round * 100) + i)), 0, new Snowflake(club.Id), $"new-{round}-{i}", null, i))
                .ToList();

            await Task.WhenAll(Enumerable.Range(0, 3).Select(_ =>
                RunAsync<GuildSync>(s => s.ApplyChannelsAsync((long)club.Id, found, ChannelSyncScope.Complete, CancellationToken.None))));

            await using var db = Db.CreateContext();
            var ids = found.Select(c => c.Id.ToInt64()).ToList();
            Assert.Equal(20, await db.Channels.CountAsync(c => ids.Contains(c.Id) && c.DeletedAt == null));
        }
    }

    [Fact]
    public async Task A_new_guild_recorded_by_three_at_once_is_added_once_and_none_fails()
    {
        var guild = new DiscordGuild(new Snowflake(8_000_000_001), "Fresh", null, new Snowflake(8_000_000_002));
        var changed = new System.Collections.Concurrent.ConcurrentBag<bool>();

        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ =>
            RunAsync<GuildSync>(async s => changed.Add(await s.RecordGuildAsync(guild, null, CancellationToken.None)))));

        Assert.Equal([false, false, true], changed.Order());
        await using var db = Db.CreateContext();
        Assert.Equal(1, await db.AuditEvents.CountAsync(a => a.GuildId == 8_000_000_001 && a.Action == "guild.added"));
    }

    [Fact]
    public async Task Channel_sync_follows_renames_deletions_and_threads()
    {
        var club = await ReconciledDemoGuildAsync("Clip Club");
        var channels = Discord.World.Channels(club.Id).Where(c => c.Type == 0).ToList();
        var renamed = channels[0];
        var deleted = channels[1];
        Discord.World.RenameChannel(renamed.Id, "renamed-clips");
        Discord.World.DeleteChannel(deleted.Id);
        var thread = Discord.World.CreateChannel(club.Id, "new-thread", type: 11, parentId: renamed.Id);
        long scanId;
        await using (var db = Db.CreateContext())
        {
            var scan = TestData.ScanRun((long)club.Id, (long)deleted.Id, ScanStatus.Running, null);
            db.ScanRuns.Add(scan);
            await db.SaveChangesAsync();
            scanId = scan.Id;
        }

        await RunAsync<GuildSync>(s => s.SyncChannelsAsync((long)club.Id, CancellationToken.None));

        await using var check = Db.CreateContext();
        Assert.Equal("renamed-clips", await check.Channels.Where(c => c.Id == (long)renamed.Id).Select(c => c.Name).FirstAsync());
        Assert.NotNull(await check.Channels.Where(c => c.Id == (long)deleted.Id).Select(c => c.DeletedAt).FirstAsync());
        Assert.NotNull(await check.ScanRuns.Where(r => r.Id == scanId).Select(r => r.StopRequestedAt).FirstAsync());
        var threadRow = await check.Channels.SingleAsync(c => c.Id == (long)thread.Id);
        Assert.True(threadRow.IsThread);
        Assert.Equal((long)renamed.Id, threadRow.ParentId);
        var expectedThreads = Discord.World.Channels(club.Id).Count(c => c.IsThread && !c.ThreadArchived) + Discord.World.Channels(club.Id).Count(c => c.IsThread && c.ThreadArchived && c.Type != 12);
        Assert.True(await check.Channels.CountAsync(c => c.GuildId == (long)club.Id && c.IsThread) >= expectedThreads - 1);
    }

    [Fact]
    public async Task Changes_to_a_removed_guild_are_refused_and_install_links_are_accepted_once()
    {
        var club = await ReconciledDemoGuildAsync("Clip Club");
        var owner = App.CreateClientAs(TestDiscord.Id(DemoUsers.Owner.Id));
        await ApiClientAsync(DemoUsers.Owner.Id); // stores the owner as a user, as a login would
        long channelId;
        await using (var db = Db.CreateContext())
        {
            channelId = await db.Channels.Where(c => c.GuildId == (long)club.Id && c.Type == 0).Select(c => c.Id).FirstAsync();
        }

        Discord.World.RemoveBotFromGuild(club.Id);
        await ReconcileAsync();

        // What Discord's guild list said about the manager at their last login.
        var manager = await ApiClientAsync(DemoUsers.Manager.Id);
        await using (var db = Db.CreateContext())
        {
            db.UserGuildAccess.Add(new UserGuildAccess
            {
                UserId = TestDiscord.Id(DemoUsers.Manager.Id),
                GuildId = (long)club.Id,
                GuildName = club.Name,
                Permissions = 1L << 5,
                CheckedAt = DateTimeOffset.UtcNow,
            });
            await db.SaveChangesAsync();
        }

        var toggle = await manager.PutAsync($"/api/guilds/{club.Id}/channels/{channelId}/archiving", new StringContent("{\"enabled\":true}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Conflict, toggle.StatusCode);
        var settings = await manager.PutAsync($"/api/guilds/{club.Id}/settings", new StringContent("{\"maxFileSizeMb\":10}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Conflict, settings.StatusCode);

        // An install intent: the first use works, a replay and another user's use are refused with a page.
        string state = "";
        await RunAsync<InstallIntents>(async i => state = await i.CreateAsync(TestDiscord.Id(DemoUsers.Owner.Id), (long)club.Id, CancellationToken.None));
        Discord.World.AddBotToGuild(club.Id);
        var stranger = App.CreateClientAs(TestDiscord.Id(DemoUsers.Member.Id));
        Assert.Equal(HttpStatusCode.BadRequest, (await stranger.GetAsync($"/guilds/install/callback?state={state}&guild_id={club.Id}")).StatusCode);
        var first = await owner.GetAsync($"/guilds/install/callback?state={state}&guild_id={club.Id}");
        Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
        var replay = await owner.GetAsync($"/guilds/install/callback?state={state}&guild_id={club.Id}");
        Assert.Equal(HttpStatusCode.BadRequest, replay.StatusCode);
        Assert.Contains("already been used", await replay.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await using var check = Db.CreateContext();
        Assert.Null(await check.Guilds.Where(g => g.Id == (long)club.Id).Select(g => g.DeletedAt).FirstAsync());
    }

    [Fact]
    public async Task Owners_see_a_plain_warning_when_an_intent_the_app_needs_is_off()
    {
        var club = await ReconciledDemoGuildAsync("Clip Club");
        var owner = App.CreateClientAs(TestDiscord.Id(DemoUsers.Owner.Id));
        Assert.DoesNotContain("intents-warning", await owner.GetStringAsync($"/guilds/{club.Id}"), StringComparison.Ordinal);

        Discord.World.SetIntents(membersIntent: false, messageContentIntent: false);
        using var scope = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.CreateScope(App.Services);
        Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Microsoft.Extensions.Caching.Memory.IMemoryCache>(scope.ServiceProvider)
            .Remove(nameof(ClipSaver.Core.Discord.DiscordIntents));
        var page = await owner.GetStringAsync($"/guilds/{club.Id}");

        Assert.Contains("intents-warning", page, StringComparison.Ordinal);
        Assert.Contains("Message Content is off", page, StringComparison.Ordinal);
        Assert.Contains("Server Members is off", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_its_owner_purged_is_listed_with_add_clipsaver_and_refresh_asks_discord_again()
    {
        var club = await ReconciledDemoGuildAsync("Clip Club");
        await using (var db = Db.CreateContext())
        {
            await db.Guilds.Where(g => g.Id == (long)club.Id).ExecuteUpdateAsync(s => s
                .SetProperty(g => g.PurgedAt, DateTimeOffset.UtcNow).SetProperty(g => g.DeletedAt, DateTimeOffset.UtcNow)
                .SetProperty(g => g.DeletionReason, GuildDeletionReason.Purged));
            db.Users.Add(new User { Id = TestDiscord.Id(DemoUsers.Owner.Id), Username = DemoUsers.Owner.Username, CreatedAt = DateTimeOffset.UtcNow });
            await db.SaveChangesAsync();
        }

        using var owner = App.CreateClientAs(TestDiscord.Id(DemoUsers.Owner.Id));
        var page = await owner.GetStringAsync("/guilds");
        var addable = page[page.IndexOf("data-testid=\"addable-guilds\"", StringComparison.Ordinal)..];
        Assert.Contains("Clip Club", addable, StringComparison.Ordinal);
        Assert.Contains($"href=\"/guilds/{club.Id}/install\"", addable, StringComparison.Ordinal);
        var install = await owner.GetAsync($"/guilds/{club.Id}/install");
        Assert.Equal(HttpStatusCode.Redirect, install.StatusCode);
        Assert.Contains($"guild_id={club.Id}", install.Headers.Location!.Query, StringComparison.Ordinal);

        // "Refresh from Discord" goes through Discord's login again (which stores a fresh server list), even when signed in.
        var refresh = await owner.GetAsync("/login?handler=Start&returnUrl=/guilds");
        Assert.Equal(HttpStatusCode.Redirect, refresh.StatusCode);
        Assert.Contains("/oauth2/authorize", refresh.Headers.Location!.AbsolutePath, StringComparison.Ordinal);

        // Someone else does not see it.
        using var member = App.CreateClientAs(TestDiscord.Id(DemoUsers.Member.Id));
        Assert.DoesNotContain("Clip Club", await member.GetStringAsync("/guilds"), StringComparison.Ordinal);
    }
}

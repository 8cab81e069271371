namespace ClipSaver.Tests.Gateway;

/// <summary>World changes in the emulator reach the archive as Gateway events, handled through the same code as scans and syncs.</summary>
public sealed class GatewayEventTests : GatewayAppTestBase
{
    private long GuildId => TestDiscord.Id(ClipClub.Id);

    private async Task SetAsync(Func<GuildSettings, GuildSettings> change)
    {
        await using var scope = App.Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<GuildSettingsStore>();
        await store.StageAsync(GuildId, change(await store.GetAsync(GuildId, CancellationToken.None)), null, CancellationToken.None);
        await scope.ServiceProvider.GetRequiredService<ClipSaverDbContext>().SaveChangesAsync();
    }

    [Fact]
    public async Task A_clip_posted_in_an_archived_channel_is_stored_at_once_and_one_elsewhere_is_not()
    {
        await StartAsync();
        var channel = await ArchiveAsync();
        var other = Discord.World.Channels(ClipClub.Id).Last(c => c.Type == 0);
        Assert.NotEqual(channel.Id, other.Id);
        var ignored = Discord.World.PostMessage(other.Id, Member, "not archived", new NewAttachment("b.mp4", 3_000, "video/mp4"));
        var posted = Discord.World.PostMessage(channel.Id, Member, "gg", new NewAttachment("a.mp4", 4_000, "video/mp4"), new NewAttachment("notes.txt", 10, "text/plain"));
        await EventuallyAsync(async db => await db.Clips.AnyAsync(c => c.MessageId == TestDiscord.Id(posted.Id) && c.StorageKey != null), "the clip's file");

        await using var db = Db.CreateContext();
        Assert.Equal(1, await db.Clips.CountAsync());
        Assert.False(await db.Clips.AnyAsync(c => c.MessageId == TestDiscord.Id(ignored.Id)));
        var row = await db.Channels.SingleAsync(c => c.Id == TestDiscord.Id(channel.Id));
        Assert.Equal(1, row.ClipCount);
        Assert.Equal(4_000, row.ClipBytes);
        Assert.True(await db.GuildMembers.AnyAsync(m => m.UserId == TestDiscord.Id(Member)));
    }

    [Fact]
    public async Task The_same_event_twice_changes_nothing()
    {
        await StartAsync();
        var channel = await ArchiveAsync();
        var posted = Discord.World.PostMessage(channel.Id, Member, "gg", new NewAttachment("a.mp4", 4_000, "video/mp4"));
        await EventuallyAsync(async db => await db.Clips.AnyAsync(c => c.StorageKey != null), "the clip's file");
        using var rest = new HttpClient { BaseAddress = new Uri(Discord.ApiBaseUrl) };
        rest.DefaultRequestHeaders.Authorization = new("Bot", new EmulatorOptions().BotToken);
        rest.DefaultRequestHeaders.UserAgent.ParseAdd("DiscordBot (test, 1)");
        var json = await (await rest.GetAsync(new Uri($"channels/{channel.Id}/messages/{posted.Id}", UriKind.Relative))).Content.ReadAsStringAsync();
        var data = JsonDocument.Parse(json.Insert(1, $"\"guild_id\":\"{ClipClub.Id}\",")).RootElement;
        for (var i = 0; i < 2; i++)
        {
            await using var scope = App.Services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<GatewayEvents>().HandleAsync(new GatewayDispatch(0, "MESSAGE_CREATE", 99, data, DateTimeOffset.UtcNow), Shard(), CancellationToken.None);
        }

        await Task.Delay(500);
        await using var db = Db.CreateContext();
        Assert.Equal(1, await db.Clips.CountAsync());
        Assert.Equal(1, (await db.Channels.SingleAsync(c => c.Id == TestDiscord.Id(channel.Id))).ClipCount);
    }

    [Fact]
    public async Task A_video_link_becomes_a_clip_when_its_embed_arrives_in_MESSAGE_UPDATE()
    {
        await StartAsync();
        var channel = await ArchiveAsync();
        var posted = Discord.World.PostVideoLink(channel.Id, Member, "https://videos.example.org/run.mp4");
        await EventuallyAsync(async db => await db.Clips.AnyAsync(c => c.MessageId == TestDiscord.Id(posted.Id) && c.Source == ClipSource.Embed), "the embed clip");
    }

    [Fact]
    public async Task A_deleted_message_keeps_its_clip_by_default_and_loses_it_when_the_guild_says_so()
    {
        await StartAsync();
        var channel = await ArchiveAsync();
        var kept = Discord.World.PostMessage(channel.Id, Member, "a", new NewAttachment("a.mp4", 1_000, "video/mp4"));
        var gone = Discord.World.PostMessage(channel.Id, Member, "b", new NewAttachment("b.mp4", 1_000, "video/mp4"));
        var bulk = Discord.World.PostMessage(channel.Id, Member, "c", new NewAttachment("c.mp4", 1_000, "video/mp4"));
        await EventuallyAsync(async db => await db.Clips.CountAsync(c => c.StorageKey != null) == 3, "three stored clips");

        Discord.World.DeleteMessage(channel.Id, kept.Id);
        // A shard handles its events in order: once the clip of a message posted after the delete is in, the delete was
        // handled (under the setting of that time).
        var marker = Discord.World.PostMessage(channel.Id, Member, "d", new NewAttachment("d.mp4", 1_000, "video/mp4"));
        await EventuallyAsync(async db => await db.Clips.AnyAsync(c => c.MessageId == TestDiscord.Id(marker.Id)), "the clip posted after the delete");
        await SetAsync(s => s with { MessageDeletedClips = MessageDeletedClips.Delete });
        Discord.World.DeleteMessage(channel.Id, gone.Id);
        Discord.World.DeleteMessages(channel.Id, [bulk.Id, 12345]);
        await EventuallyAsync(async db => await db.Clips.CountAsync() == 2, "two clips deleted");
        await using var db = Db.CreateContext();
        Assert.Equal([TestDiscord.Id(kept.Id), TestDiscord.Id(marker.Id)], (await db.Clips.Select(c => c.MessageId).ToListAsync()).Order());
        Assert.Equal(2, (await db.Channels.SingleAsync(c => c.Id == TestDiscord.Id(channel.Id))).ClipCount);
    }

    [Fact]
    public async Task Channels_and_threads_follow_their_events_and_new_ones_follow_the_archive_new_channels_setting()
    {
        await StartAsync();
        await SetAsync(s => s with { ArchiveNewChannels = true });
        var created = Discord.World.CreateChannel(ClipClub.Id, "fresh-clips");
        await EventuallyAsync(async db => await db.Channels.AnyAsync(c => c.Id == TestDiscord.Id(created.Id) && c.IsReading), "the new channel, archived");
        var thread = Discord.World.CreateChannel(ClipClub.Id, "a thread", type: 11, parentId: created.Id);
        await EventuallyAsync(async db => await db.Channels.AnyAsync(c => c.Id == TestDiscord.Id(thread.Id) && c.IsThread), "the new thread");
        Discord.World.RenameChannel(created.Id, "renamed");
        await EventuallyAsync(async db => await db.Channels.AnyAsync(c => c.Id == TestDiscord.Id(created.Id) && c.Name == "renamed"), "the rename");
        Discord.World.DeleteChannel(created.Id);
        await EventuallyAsync(async db => await db.Channels.AnyAsync(c => c.Id == TestDiscord.Id(created.Id) && c.DeletedAt != null && !c.IsReading), "the deletion");
    }

    [Fact]
    public async Task A_member_who_leaves_is_removed_at_once_and_their_clips_follow_the_guilds_rule()
    {
        await StartAsync();
        var channel = await ArchiveAsync();
        var newcomer = new EmulatedUser(777_000_000_000_000_001, "newcomer", null, null);
        Discord.World.AddMember(ClipClub.Id, newcomer);
        await EventuallyAsync(async db => await db.GuildMembers.AnyAsync(m => m.UserId == TestDiscord.Id(newcomer.Id)), "the member recorded");
        Discord.World.PostMessage(channel.Id, newcomer.Id, "mine", new NewAttachment("mine.mp4", 2_000, "video/mp4"));
        await EventuallyAsync(async db => await db.Clips.AnyAsync(c => c.AuthorId == TestDiscord.Id(newcomer.Id) && c.StorageKey != null), "their clip");

        await SetAsync(s => s with { DepartedMemberClips = DepartedMemberClips.Delete });
        Discord.World.RemoveMember(ClipClub.Id, newcomer.Id);
        await EventuallyAsync(async db => !await db.GuildMembers.AnyAsync(m => m.UserId == TestDiscord.Id(newcomer.Id)) && !await db.Clips.AnyAsync(), "the member and their clip gone");
    }

    [Fact]
    public async Task Removal_soft_deletes_the_guild_an_outage_deletes_nothing_and_a_return_restores_it()
    {
        await StartAsync();
        Discord.World.SetGuildAvailable(ClipClub.Id, false);
        await EventuallyAsync(async db => await db.GatewayShards.AnyAsync(s => s.UnavailableGuildIds.Contains(GuildId)), "the outage on the shard's row");
        Discord.World.SetGuildAvailable(ClipClub.Id, true);
        await EventuallyAsync(async db => await db.GatewayShards.AnyAsync(s => s.UnavailableGuildIds.Length == 0 && s.LastEventName == "GUILD_CREATE"), "the outage over");
        await using (var db = Db.CreateContext())
        {
            Assert.Null((await db.Guilds.SingleAsync()).DeletedAt);
        }

        Discord.World.RemoveBotFromGuild(ClipClub.Id);
        await EventuallyAsync(async db => await db.Guilds.AnyAsync(g => g.DeletedAt != null && g.DeletionReason == GuildDeletionReason.BotRemoved), "the guild soft-deleted");
        Discord.World.AddBotToGuild(ClipClub.Id);
        await EventuallyAsync(async db => await db.Guilds.AnyAsync(g => g.DeletedAt == null) && await db.AuditEvents.AnyAsync(a => a.Action == "guild.restored"), "the guild restored");
    }

    [Fact]
    public async Task An_event_moves_the_scan_cursor_only_after_a_scan_that_started_in_this_session()
    {
        await StartAsync();
        var channel = await ArchiveAsync();
        var first = Discord.World.PostMessage(channel.Id, Member, "before any scan");
        await EventuallyAsync(async db => await db.GatewayShards.AnyAsync(s => s.LastEventName == "MESSAGE_CREATE"), "the event handled", 10);
        await Task.Delay(300);
        await using (var db = Db.CreateContext())
        {
            Assert.Null((await db.Channels.SingleAsync(c => c.Id == TestDiscord.Id(channel.Id))).NewestScannedMessageId);
        }

        await RunAsync<IncrementalScansJob>(j => j.StartForGuildAsync(GuildId, CancellationToken.None));
        long runId;
        await using (var db = Db.CreateContext())
        {
            runId = (await db.ScanRuns.SingleAsync(r => r.ChannelId == TestDiscord.Id(channel.Id))).Id;
        }

        await RunAsync<ScanJob>(j => j.RunAsync(runId, CancellationToken.None));
        var later = Discord.World.PostMessage(channel.Id, Member, "after the scan");
        await EventuallyAsync(async db => await db.Channels.AnyAsync(c => c.Id == TestDiscord.Id(channel.Id) && c.NewestScannedMessageId == TestDiscord.Id(later.Id)), "the cursor at the new message");
        Assert.True(later.Id > first.Id);
    }
}

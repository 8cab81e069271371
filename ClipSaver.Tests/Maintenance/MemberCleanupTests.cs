namespace ClipSaver.Tests.Maintenance;

public sealed class MemberCleanupTests : AppTestBase
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["ClipSaver:MemberCleanup:DelayBetweenBatches"] = "00:00:00",
        ["ClipSaver:MemberCleanup:BatchSize"] = "2",
    };

    private async Task<(long Guild, long Channel, List<long> Members)> KnownMembersAsync()
    {
        await ReconcileAsync();
        var club = DemoGuild("Clip Club");
        var members = Discord.World.Members(club.Id).Select(m => (long)m.User.Id).ToList();
        await using var db = Db.CreateContext();
        var channel = await db.Channels.Where(c => c.GuildId == (long)club.Id && c.Type == 0).Select(c => c.Id).FirstAsync();
        foreach (var m in Discord.World.Members(club.Id))
        {
            if (!await db.Users.AnyAsync(u => u.Id == (long)m.User.Id))
            {
                db.Users.Add(new User { Id = (long)m.User.Id, Username = m.User.Username, CreatedAt = DateTimeOffset.UtcNow });
            }

            db.GuildMembers.Add(new GuildMember { GuildId = (long)club.Id, UserId = (long)m.User.Id, FirstSeenAt = DateTimeOffset.UtcNow, LastSeenAt = DateTimeOffset.UtcNow });
            db.Clips.Add(TestData.Clip((long)club.Id, channel, (long)m.User.Id, "clip.mp4", 10));
        }

        await db.SaveChangesAsync();
        return ((long)club.Id, channel, members);
    }

    private async Task<MemberCleanupResult> RunAsync(bool dryRun, long? guildId = null)
    {
        MemberCleanupResult result = null!;
        await RunAsync<MemberCleanupJob>(async j => result = await j.RunAsync(guildId, dryRun, CancellationToken.None));
        return result;
    }

    [Fact]
    public async Task A_dry_run_reports_and_changes_nothing_then_the_run_removes_exactly_the_departed()
    {
        var (guild, _, members) = await KnownMembersAsync();
        var departed = members.Where(id => id != TestDiscord.Id(DemoUsers.Owner.Id)).Take(3).ToList();
        foreach (var id in departed)
        {
            Discord.World.RemoveMember((ulong)guild, (ulong)id);
        }

        var dry = await RunAsync(dryRun: true, guild);
        Assert.Equal(3, dry.Guilds.Single().Departed);
        await using (var db = Db.CreateContext())
        {
            Assert.Equal(members.Count, await db.GuildMembers.CountAsync(m => m.GuildId == guild));
        }

        var real = await RunAsync(dryRun: false, guild);

        Assert.Equal(3, real.Guilds.Single().MembersRemoved);
        await using var check = Db.CreateContext();
        Assert.Equal(members.Except(departed).Order(), (await check.GuildMembers.Where(m => m.GuildId == guild).Select(m => m.UserId).ToListAsync()).Order());
        // The guild keeps their clips by default.
        Assert.Equal(members.Count, await check.Clips.CountAsync(c => c.GuildId == guild));
    }

    [Fact]
    public async Task When_the_guild_says_so_the_clips_of_departed_members_are_deleted_with_their_counters()
    {
        var (guild, channel, members) = await KnownMembersAsync();
        await using (var db = Db.CreateContext())
        {
            db.GuildSettings.Add(new GuildSettingsRow { GuildId = guild, Json = "{\"departedMemberClips\":\"Delete\"}", UpdatedAt = DateTimeOffset.UtcNow });
            await db.Channels.Where(c => c.Id == channel).ExecuteUpdateAsync(s => s.SetProperty(c => c.ClipCount, members.Count));
            await db.SaveChangesAsync();
        }

        var leaver = members.First(id => id != TestDiscord.Id(DemoUsers.Owner.Id));
        Discord.World.RemoveMember((ulong)guild, (ulong)leaver);

        var result = await RunAsync(dryRun: false, guild);

        Assert.Equal(1, result.Guilds.Single().ClipsDeleted);
        await using var check = Db.CreateContext();
        Assert.False(await check.Clips.AnyAsync(c => c.AuthorId == leaver));
        Assert.Equal(members.Count - 1, await check.Clips.CountAsync(c => c.GuildId == guild));
        Assert.Equal(members.Count - 1, await check.Channels.Where(c => c.Id == channel).Select(c => c.ClipCount).FirstAsync());
    }

    [Fact]
    public async Task Clips_of_a_channel_being_purged_are_left_to_the_purge_and_other_channels_lose_theirs()
    {
        var (guild, channel, members) = await KnownMembersAsync();
        var leaver = members.First(id => id != TestDiscord.Id(DemoUsers.Owner.Id));
        long otherChannel;
        await using (var db = Db.CreateContext())
        {
            db.GuildSettings.Add(new GuildSettingsRow { GuildId = guild, Json = "{\"departedMemberClips\":\"Delete\"}", UpdatedAt = DateTimeOffset.UtcNow });
            otherChannel = await db.Channels.Where(c => c.GuildId == guild && c.Type == 0 && c.Id != channel).Select(c => c.Id).FirstAsync();
            db.Clips.Add(TestData.Clip(guild, otherChannel, leaver, "clip.mp4", 10));
            await db.Channels.Where(c => c.Id == channel).ExecuteUpdateAsync(s => s.SetProperty(c => c.ClipCount, members.Count));
            await db.Channels.Where(c => c.Id == otherChannel).ExecuteUpdateAsync(s => s.SetProperty(c => c.ClipCount, 1));
            var purge = TestData.PurgeRun(guild, PurgeStatus.Running, null);
            (purge.Scope, purge.ChannelId) = (PurgeScope.Channel, channel);
            db.PurgeRuns.Add(purge);
            await db.SaveChangesAsync();
        }

        Discord.World.RemoveMember((ulong)guild, (ulong)leaver);

        var result = await RunAsync(dryRun: false, guild);

        // Behind the purge fence: the purge of the first channel deletes (and counts) that clip itself.
        Assert.Equal(1, result.Guilds.Single().ClipsDeleted);
        await using var check = Db.CreateContext();
        Assert.True(await check.Clips.AnyAsync(c => c.AuthorId == leaver && c.ChannelId == channel));
        Assert.False(await check.Clips.AnyAsync(c => c.AuthorId == leaver && c.ChannelId == otherChannel));
        Assert.Equal(members.Count, await check.Channels.Where(c => c.Id == channel).Select(c => c.ClipCount).FirstAsync());
        Assert.Equal(0, await check.Channels.Where(c => c.Id == otherChannel).Select(c => c.ClipCount).FirstAsync());
    }

    [Fact]
    public async Task A_failing_guild_is_recorded_and_the_others_go_on_and_a_missing_intent_says_what_to_switch_on()
    {
        var (guild, _, members) = await KnownMembersAsync();
        var other = DemoGuild("Frame Perfect");
        Discord.World.RemoveMember((ulong)guild, (ulong)members.First(id => id != TestDiscord.Id(DemoUsers.Owner.Id)));
        await using (var db = Db.CreateContext())
        {
            // A guild the database still thinks the bot is in; Discord refuses its member list.
            db.Guilds.Add(new Guild { Id = 111111111111111111, Name = "Gone", OwnerId = 1, CreatedAt = DateTimeOffset.UtcNow });
            await db.SaveChangesAsync();
        }

        var result = await RunAsync(dryRun: false);

        Assert.Equal(MemberCleanupJob.BotNotInGuildMessage, result.Guilds.Single(g => g.GuildId == 111111111111111111).Error);
        Assert.Equal(1, result.Guilds.Single(g => g.GuildId == guild).MembersRemoved);
        Assert.Null(result.Guilds.Single(g => g.GuildId == (long)other.Id).Error);

        Discord.World.SetIntents(membersIntent: false, messageContentIntent: true);
        var blind = await RunAsync(dryRun: true, guild);
        Assert.Equal(MemberCleanupJob.MissingIntentMessage, blind.Guilds.Single().Error);
    }

    [Fact]
    public async Task When_the_bot_was_removed_from_a_guild_the_report_says_so_and_not_that_the_intent_is_off()
    {
        var (guild, _, members) = await KnownMembersAsync();
        Discord.World.RemoveBotFromGuild((ulong)guild);

        var result = await RunAsync(dryRun: false, guild);

        Assert.True(Discord.World.MembersIntent);
        Assert.Equal(MemberCleanupJob.BotNotInGuildMessage, result.Guilds.Single().Error);
        await using var db = Db.CreateContext();
        Assert.Equal(members.Count, await db.GuildMembers.CountAsync(m => m.GuildId == guild));
        var audit = await db.AuditEvents.Where(a => a.GuildId == guild && a.Action == MemberCleanupJob.AuditAction).Select(a => a.Summary).SingleAsync();
        Assert.Contains("no longer in this server", audit, StringComparison.Ordinal);
        Assert.DoesNotContain("intent", audit, StringComparison.OrdinalIgnoreCase);
    }
}

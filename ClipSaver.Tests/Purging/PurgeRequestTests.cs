using Hangfire.States;

namespace ClipSaver.Tests.Purging;

public sealed class PurgeRequestTests : PurgeFixture
{
    [Theory]
    [InlineData(PurgeScope.Channel, "CLIPS-A")]
    [InlineData(PurgeScope.Channel, "clips-a ")]
    [InlineData(PurgeScope.AllChannels, "delete all channels")]
    [InlineData(PurgeScope.Guild, "DELETE  GUILD")]
    [InlineData(PurgeScope.Guild, null)]
    public async Task A_wrong_phrase_is_refused_and_changes_nothing(PurgeScope scope, string? phrase)
    {
        await using var context = Db.CreateContext();
        var before = await SnapshotAsync(GuildId);

        var result = await Request(context).RunAsync(OwnerActor, GuildId, scope, scope == PurgeScope.Channel ? ChannelA : null, phrase, CancellationToken.None);

        Assert.IsType<PurgeResult.WrongPhrase>(result);
        Assert.Equal(0, await context.PurgeRuns.CountAsync());
        Assert.Null(await context.Guilds.Where(g => g.Id == GuildId).Select(g => g.AllChannelsPurgeCooldownUntil).FirstAsync());
        Assert.Equal(before, await SnapshotAsync(GuildId));
    }

    [Fact]
    public async Task An_accepted_channel_purge_records_a_scheduled_run_with_its_preview_claims_the_cooldown_and_schedules_the_job()
    {
        await using var context = Db.CreateContext();

        var result = await Request(context).RunAsync(OwnerActor, GuildId, PurgeScope.Channel, ChannelA, "clips-a", CancellationToken.None);

        var run = Assert.IsType<PurgeResult.Accepted>(result).Run;
        Assert.Equal(PurgeStatus.Scheduled, run.Status);
        Assert.Equal(Clock.GetUtcNow() + Options.UndoWindow, run.NotBefore);
        Assert.Contains("\"clips\":23", run.PreviewJson, StringComparison.Ordinal);
        Assert.Equal(Clock.GetUtcNow().AddHours(24), await context.Channels.Where(c => c.Id == ChannelA).Select(c => c.PurgeCooldownUntil).FirstAsync());
        var stored = await context.PurgeRuns.AsNoTracking().SingleAsync();
        Assert.NotNull(stored.HangfireJobId);
        Assert.Equal(ScheduledState.StateName, JobStorage.GetConnection().GetStateData(stored.HangfireJobId).Name);
    }

    [Fact]
    public async Task A_second_channel_purge_inside_24_hours_is_refused_with_the_time_it_is_allowed_and_passes_at_the_boundary()
    {
        var first = await RequestDueAsync(PurgeScope.Channel, ChannelA);
        await RunJobAsync(first);
        var requestedAt = first.RequestedAt;

        Clock.SetUtcNow(requestedAt.AddHours(24).AddSeconds(-1));
        await using (var context = Db.CreateContext())
        {
            var refused = await Request(context).RunAsync(OwnerActor, GuildId, PurgeScope.Channel, ChannelA, "clips-a", CancellationToken.None);
            Assert.Equal(requestedAt.AddHours(24), Assert.IsType<PurgeResult.CoolingDown>(refused).AllowedAt);
        }

        Clock.SetUtcNow(requestedAt.AddHours(24));
        await using (var context = Db.CreateContext())
        {
            var accepted = await Request(context).RunAsync(OwnerActor, GuildId, PurgeScope.Channel, ChannelA, "clips-a", CancellationToken.None);
            Assert.IsType<PurgeResult.Accepted>(accepted);
        }
    }

    [Fact]
    public async Task The_channel_cooldown_is_per_channel_and_the_all_channels_cooldown_per_guild()
    {
        var channelRun = await RequestDueAsync(PurgeScope.Channel, ChannelA);
        await RunJobAsync(channelRun);

        await using var context = Db.CreateContext();
        Assert.IsType<PurgeResult.Accepted>(await Request(context).RunAsync(OwnerActor, GuildId, PurgeScope.Channel, ChannelB, "clips-b", CancellationToken.None));
        await context.PurgeRuns.ExecuteUpdateAsync(s => s.SetProperty(p => p.Status, PurgeStatus.Completed));
        Assert.IsType<PurgeResult.Accepted>(await Request(context).RunAsync(OwnerActor, GuildId, PurgeScope.AllChannels, null, PurgeScopes.AllChannelsPhrase, CancellationToken.None));
        await context.PurgeRuns.ExecuteUpdateAsync(s => s.SetProperty(p => p.Status, PurgeStatus.Completed));
        var again = await Request(context).RunAsync(OwnerActor, GuildId, PurgeScope.AllChannels, null, PurgeScopes.AllChannelsPhrase, CancellationToken.None);
        Assert.IsType<PurgeResult.CoolingDown>(again);
    }

    [Fact]
    public async Task Of_fifty_simultaneous_requests_exactly_one_is_accepted()
    {
        var attempts = Enumerable.Range(0, 50).Select(async _ =>
        {
            await using var context = Db.CreateContext();
            return await Request(context).RunAsync(OwnerActor, GuildId, PurgeScope.Channel, ChannelA, "clips-a", CancellationToken.None);
        });

        var results = await Task.WhenAll(attempts);

        Assert.Single(results, r => r is PurgeResult.Accepted);
        Assert.All(results.Where(r => r is not PurgeResult.Accepted), r => Assert.True(r is PurgeResult.CoolingDown or PurgeResult.Conflict));
        await using var check = Db.CreateContext();
        Assert.Equal(1, await check.PurgeRuns.CountAsync());
    }

    [Fact]
    public async Task The_cooldown_claim_alone_admits_one_of_fifty_even_without_the_request_lock()
    {
        // The statement the service uses, run by 50 connections at once.
        var now = Clock.GetUtcNow();
        var attempts = Enumerable.Range(0, 50).Select(async _ =>
        {
            await using var context = Db.CreateContext();
            return await context.Channels
                .Where(c => c.Id == ChannelA && (c.PurgeCooldownUntil == null || c.PurgeCooldownUntil <= now))
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.PurgeCooldownUntil, now.AddHours(24)));
        });

        Assert.Equal(1, (await Task.WhenAll(attempts)).Sum());
    }

    [Fact]
    public async Task Overlapping_purges_are_refused_and_a_different_channel_is_not_an_overlap()
    {
        await using var context = Db.CreateContext();
        var requests = Request(context);
        Assert.IsType<PurgeResult.Accepted>(await requests.RunAsync(OwnerActor, GuildId, PurgeScope.Channel, ChannelA, "clips-a", CancellationToken.None));

        Assert.IsType<PurgeResult.Conflict>(await requests.RunAsync(OwnerActor, GuildId, PurgeScope.AllChannels, null, PurgeScopes.AllChannelsPhrase, CancellationToken.None));
        Assert.IsType<PurgeResult.Conflict>(await requests.RunAsync(OwnerActor, GuildId, PurgeScope.Guild, null, PurgeScopes.GuildPhrase, CancellationToken.None));
        Assert.IsType<PurgeResult.Accepted>(await requests.RunAsync(OwnerActor, GuildId, PurgeScope.Channel, ChannelB, "clips-b", CancellationToken.None));
        // The refused all-channels request did not take the guild's cooldown.
        Assert.Null(await context.Guilds.Where(g => g.Id == GuildId).Select(g => g.AllChannelsPurgeCooldownUntil).FirstAsync());
    }

    [Fact]
    public async Task Cancelling_inside_the_undo_window_gives_the_cooldown_back_and_removes_the_job()
    {
        await using var context = Db.CreateContext();
        var run = Assert.IsType<PurgeResult.Accepted>(
            await Request(context).RunAsync(OwnerActor, GuildId, PurgeScope.Channel, ChannelA, "clips-a", CancellationToken.None)).Run;
        var jobId = (await context.PurgeRuns.AsNoTracking().SingleAsync()).HangfireJobId!;

        Assert.IsType<PurgeResult.Cancelled>(await Cancel(context).RunAsync(OwnerActor, run.Id, GuildId, CancellationToken.None));

        Assert.Equal(PurgeStatus.Cancelled, (await context.PurgeRuns.AsNoTracking().SingleAsync()).Status);
        Assert.Null(await context.Channels.Where(c => c.Id == ChannelA).Select(c => c.PurgeCooldownUntil).FirstAsync());
        Assert.Equal(DeletedState.StateName, JobStorage.GetConnection().GetStateData(jobId).Name);
        Assert.IsType<PurgeResult.TooLate>(await Cancel(context).RunAsync(OwnerActor, run.Id, GuildId, CancellationToken.None));
        Assert.IsType<PurgeResult.Accepted>(await Request(context).RunAsync(OwnerActor, GuildId, PurgeScope.Channel, ChannelA, "clips-a", CancellationToken.None));
    }

    [Fact]
    public async Task A_purge_that_has_started_cannot_be_cancelled()
    {
        var run = await RequestDueAsync(PurgeScope.Channel, ChannelA);
        await RunJobAsync(run);

        await using var context = Db.CreateContext();
        Assert.IsType<PurgeResult.TooLate>(await Cancel(context).RunAsync(OwnerActor, run.Id, GuildId, CancellationToken.None));
        Assert.Equal(PurgeStatus.Completed, (await context.PurgeRuns.AsNoTracking().SingleAsync()).Status);
    }

    [Fact]
    public async Task A_purged_guild_refuses_another_guild_purge_and_a_removed_guild_offers_only_the_guild_purge()
    {
        await using var context = Db.CreateContext();
        await context.Guilds.Where(g => g.Id == GuildId).ExecuteUpdateAsync(s => s.SetProperty(g => g.DeletedAt, Clock.GetUtcNow()));

        Assert.IsType<PurgeResult.Conflict>(await Request(context).RunAsync(OwnerActor, GuildId, PurgeScope.Channel, ChannelA, "clips-a", CancellationToken.None));
        Assert.IsType<PurgeResult.Conflict>(await Request(context).RunAsync(OwnerActor, GuildId, PurgeScope.AllChannels, null, PurgeScopes.AllChannelsPhrase, CancellationToken.None));
        Assert.IsType<PurgeResult.Accepted>(await Request(context).RunAsync(OwnerActor, GuildId, PurgeScope.Guild, null, PurgeScopes.GuildPhrase, CancellationToken.None));

        await context.Guilds.Where(g => g.Id == GuildId).ExecuteUpdateAsync(s => s.SetProperty(g => g.PurgedAt, Clock.GetUtcNow()));
        await context.PurgeRuns.ExecuteUpdateAsync(s => s.SetProperty(p => p.Status, PurgeStatus.Completed));
        Assert.IsType<PurgeResult.Conflict>(await Request(context).RunAsync(OwnerActor, GuildId, PurgeScope.Guild, null, PurgeScopes.GuildPhrase, CancellationToken.None));
    }

    [Fact]
    public async Task An_unknown_channel_or_a_channel_of_another_guild_is_not_found()
    {
        await using var context = Db.CreateContext();

        Assert.IsType<PurgeResult.NotFound>(await Request(context).RunAsync(OwnerActor, GuildId, PurgeScope.Channel, ChannelC, "clips-c", CancellationToken.None));
        Assert.IsType<PurgeResult.NotFound>(await Request(context).RunAsync(OwnerActor, GuildId, PurgeScope.Channel, 12345, "x", CancellationToken.None));
        Assert.IsType<PurgeResult.NotFound>(await Request(context).RunAsync(OwnerActor, 98765, PurgeScope.Guild, null, PurgeScopes.GuildPhrase, CancellationToken.None));
    }

    [Fact]
    public async Task ClipSaver_itself_may_request_the_purge_of_a_removed_guild_and_is_recorded_as_nobody()
    {
        await using var context = Db.CreateContext();
        await context.Guilds.Where(g => g.Id == GuildId).ExecuteUpdateAsync(s => s
            .SetProperty(g => g.DeletedAt, Clock.GetUtcNow().AddDays(-31)).SetProperty(g => g.DeletionReason, GuildDeletionReason.BotRemoved));

        var run = Assert.IsType<PurgeResult.Accepted>(await Request(context).RunAsync(Actor.System, GuildId, PurgeScope.Guild, null, PurgeScopes.GuildPhrase, CancellationToken.None)).Run;

        Assert.Null(run.RequestedBy);
        Assert.Contains("\"clips\":34", run.PreviewJson, StringComparison.Ordinal);
        var audit = await context.AuditEvents.SingleAsync(e => e.Action == "purge.requested");
        Assert.Equal((GuildId, (long?)null), (audit.GuildId!.Value, audit.ActorUserId));
    }

    [Fact]
    public async Task ClipSaver_itself_follows_the_same_rules_a_wrong_phrase_or_an_unknown_guild_is_refused()
    {
        await using var context = Db.CreateContext();

        Assert.IsType<PurgeResult.WrongPhrase>(await Request(context).RunAsync(Actor.System, GuildId, PurgeScope.Guild, null, "DELETE", CancellationToken.None));
        Assert.IsType<PurgeResult.NotFound>(await Request(context).RunAsync(Actor.System, 98765, PurgeScope.Guild, null, PurgeScopes.GuildPhrase, CancellationToken.None));
        Assert.Equal(0, await context.PurgeRuns.CountAsync());
    }

    [Fact]
    public async Task A_manager_calling_the_use_cases_directly_is_refused_and_nothing_is_recorded()
    {
        const long manager = 300_000_000_000_000_077;
        await using var context = Db.CreateContext();
        context.Users.Add(new User { Id = manager, Username = "manager", CreatedAt = Clock.GetUtcNow() });
        context.UserGuildAccess.Add(new UserGuildAccess { UserId = manager, GuildId = GuildId, GuildName = "g", Permissions = GuildRights.ManageGuild, CheckedAt = Clock.GetUtcNow() });
        await context.SaveChangesAsync();
        var owners = Assert.IsType<PurgeResult.Accepted>(await Request(context).RunAsync(OwnerActor, GuildId, PurgeScope.Channel, ChannelB, "clips-b", CancellationToken.None)).Run;
        var before = await SnapshotAsync(GuildId);

        Assert.IsType<PurgeResult.NotOwner>(await Request(context).RunAsync(Actor.User(manager), GuildId, PurgeScope.Channel, ChannelA, "clips-a", CancellationToken.None));
        Assert.IsType<PurgeResult.NotOwner>(await Request(context).RunAsync(Actor.User(manager), GuildId, PurgeScope.AllChannels, null, PurgeScopes.AllChannelsPhrase, CancellationToken.None));
        Assert.IsType<PurgeResult.NotOwner>(await Cancel(context).RunAsync(Actor.User(manager), owners.Id, null, CancellationToken.None));
        Assert.IsType<PurgeResult.NotFound>(await Request(context).RunAsync(Actor.User(manager), OtherGuildId, PurgeScope.Guild, null, PurgeScopes.GuildPhrase, CancellationToken.None));
        Assert.IsType<PurgeResult.NotFound>(await Cancel(context).RunAsync(Actor.User(manager), owners.Id, OtherGuildId, CancellationToken.None));

        Assert.Equal(before, await SnapshotAsync(GuildId));
        Assert.Equal(PurgeStatus.Scheduled, (await context.PurgeRuns.AsNoTracking().SingleAsync()).Status);
        Assert.Null(await context.Guilds.Where(g => g.Id == GuildId).Select(g => g.AllChannelsPurgeCooldownUntil).FirstAsync());
        Assert.Single(await context.AuditEvents.ToListAsync());
    }
}

using ClipSaver.Core.Data;
using ClipSaver.Core.Purging;
using Hangfire.States;
using Microsoft.EntityFrameworkCore;

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

        var result = await Requests(context).RequestAsync(GuildId, scope, scope == PurgeScope.Channel ? ChannelA : null, phrase, Owner, CancellationToken.None);

        Assert.IsType<PurgeRequestResult.WrongPhrase>(result);
        Assert.Equal(0, await context.PurgeRuns.CountAsync());
        Assert.Null(await context.Guilds.Where(g => g.Id == GuildId).Select(g => g.AllChannelsPurgeCooldownUntil).FirstAsync());
        Assert.Equal(before, await SnapshotAsync(GuildId));
    }

    [Fact]
    public async Task An_accepted_channel_purge_records_a_scheduled_run_with_its_preview_claims_the_cooldown_and_schedules_the_job()
    {
        await using var context = Db.CreateContext();

        var result = await Requests(context).RequestAsync(GuildId, PurgeScope.Channel, ChannelA, "clips-a", Owner, CancellationToken.None);

        var run = Assert.IsType<PurgeRequestResult.Accepted>(result).Run;
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
            var refused = await Requests(context).RequestAsync(GuildId, PurgeScope.Channel, ChannelA, "clips-a", Owner, CancellationToken.None);
            Assert.Equal(requestedAt.AddHours(24), Assert.IsType<PurgeRequestResult.CoolingDown>(refused).AllowedAt);
        }

        Clock.SetUtcNow(requestedAt.AddHours(24));
        await using (var context = Db.CreateContext())
        {
            var accepted = await Requests(context).RequestAsync(GuildId, PurgeScope.Channel, ChannelA, "clips-a", Owner, CancellationToken.None);
            Assert.IsType<PurgeRequestResult.Accepted>(accepted);
        }
    }

    [Fact]
    public async Task The_channel_cooldown_is_per_channel_and_the_all_channels_cooldown_per_guild()
    {
        var channelRun = await RequestDueAsync(PurgeScope.Channel, ChannelA);
        await RunJobAsync(channelRun);

        await using var context = Db.CreateContext();
        Assert.IsType<PurgeRequestResult.Accepted>(await Requests(context).RequestAsync(GuildId, PurgeScope.Channel, ChannelB, "clips-b", Owner, CancellationToken.None));
        await context.PurgeRuns.ExecuteUpdateAsync(s => s.SetProperty(p => p.Status, PurgeStatus.Completed));
        Assert.IsType<PurgeRequestResult.Accepted>(await Requests(context).RequestAsync(GuildId, PurgeScope.AllChannels, null, PurgePhrases.AllChannels, Owner, CancellationToken.None));
        await context.PurgeRuns.ExecuteUpdateAsync(s => s.SetProperty(p => p.Status, PurgeStatus.Completed));
        var again = await Requests(context).RequestAsync(GuildId, PurgeScope.AllChannels, null, PurgePhrases.AllChannels, Owner, CancellationToken.None);
        Assert.IsType<PurgeRequestResult.CoolingDown>(again);
    }

    [Fact]
    public async Task Of_fifty_simultaneous_requests_exactly_one_is_accepted()
    {
        var attempts = Enumerable.Range(0, 50).Select(async _ =>
        {
            await using var context = Db.CreateContext();
            return await Requests(context).RequestAsync(GuildId, PurgeScope.Channel, ChannelA, "clips-a", Owner, CancellationToken.None);
        });

        var results = await Task.WhenAll(attempts);

        Assert.Single(results, r => r is PurgeRequestResult.Accepted);
        Assert.All(results.Where(r => r is not PurgeRequestResult.Accepted), r => Assert.True(r is PurgeRequestResult.CoolingDown or PurgeRequestResult.Conflict));
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
        var requests = Requests(context);
        Assert.IsType<PurgeRequestResult.Accepted>(await requests.RequestAsync(GuildId, PurgeScope.Channel, ChannelA, "clips-a", Owner, CancellationToken.None));

        Assert.IsType<PurgeRequestResult.Conflict>(await requests.RequestAsync(GuildId, PurgeScope.AllChannels, null, PurgePhrases.AllChannels, Owner, CancellationToken.None));
        Assert.IsType<PurgeRequestResult.Conflict>(await requests.RequestAsync(GuildId, PurgeScope.Guild, null, PurgePhrases.Guild, Owner, CancellationToken.None));
        Assert.IsType<PurgeRequestResult.Accepted>(await requests.RequestAsync(GuildId, PurgeScope.Channel, ChannelB, "clips-b", Owner, CancellationToken.None));
        // The refused all-channels request did not take the guild's cooldown.
        Assert.Null(await context.Guilds.Where(g => g.Id == GuildId).Select(g => g.AllChannelsPurgeCooldownUntil).FirstAsync());
    }

    [Fact]
    public async Task Cancelling_inside_the_undo_window_gives_the_cooldown_back_and_removes_the_job()
    {
        await using var context = Db.CreateContext();
        var run = Assert.IsType<PurgeRequestResult.Accepted>(
            await Requests(context).RequestAsync(GuildId, PurgeScope.Channel, ChannelA, "clips-a", Owner, CancellationToken.None)).Run;
        var jobId = (await context.PurgeRuns.AsNoTracking().SingleAsync()).HangfireJobId!;

        Assert.True(await Requests(context).CancelAsync(GuildId, run.Id, Owner, CancellationToken.None));

        Assert.Equal(PurgeStatus.Cancelled, (await context.PurgeRuns.AsNoTracking().SingleAsync()).Status);
        Assert.Null(await context.Channels.Where(c => c.Id == ChannelA).Select(c => c.PurgeCooldownUntil).FirstAsync());
        Assert.Equal(DeletedState.StateName, JobStorage.GetConnection().GetStateData(jobId).Name);
        Assert.False(await Requests(context).CancelAsync(GuildId, run.Id, Owner, CancellationToken.None));
        Assert.IsType<PurgeRequestResult.Accepted>(await Requests(context).RequestAsync(GuildId, PurgeScope.Channel, ChannelA, "clips-a", Owner, CancellationToken.None));
    }

    [Fact]
    public async Task A_purge_that_has_started_cannot_be_cancelled()
    {
        var run = await RequestDueAsync(PurgeScope.Channel, ChannelA);
        await RunJobAsync(run);

        await using var context = Db.CreateContext();
        Assert.False(await Requests(context).CancelAsync(GuildId, run.Id, Owner, CancellationToken.None));
        Assert.Equal(PurgeStatus.Completed, (await context.PurgeRuns.AsNoTracking().SingleAsync()).Status);
    }

    [Fact]
    public async Task A_purged_guild_refuses_another_guild_purge_and_a_removed_guild_offers_only_the_guild_purge()
    {
        await using var context = Db.CreateContext();
        await context.Guilds.Where(g => g.Id == GuildId).ExecuteUpdateAsync(s => s.SetProperty(g => g.DeletedAt, Clock.GetUtcNow()));

        Assert.IsType<PurgeRequestResult.Conflict>(await Requests(context).RequestAsync(GuildId, PurgeScope.Channel, ChannelA, "clips-a", Owner, CancellationToken.None));
        Assert.IsType<PurgeRequestResult.Conflict>(await Requests(context).RequestAsync(GuildId, PurgeScope.AllChannels, null, PurgePhrases.AllChannels, Owner, CancellationToken.None));
        Assert.IsType<PurgeRequestResult.Accepted>(await Requests(context).RequestAsync(GuildId, PurgeScope.Guild, null, PurgePhrases.Guild, Owner, CancellationToken.None));

        await context.Guilds.Where(g => g.Id == GuildId).ExecuteUpdateAsync(s => s.SetProperty(g => g.PurgedAt, Clock.GetUtcNow()));
        await context.PurgeRuns.ExecuteUpdateAsync(s => s.SetProperty(p => p.Status, PurgeStatus.Completed));
        Assert.IsType<PurgeRequestResult.Conflict>(await Requests(context).RequestAsync(GuildId, PurgeScope.Guild, null, PurgePhrases.Guild, Owner, CancellationToken.None));
    }

    [Fact]
    public async Task An_unknown_channel_or_a_channel_of_another_guild_is_not_found()
    {
        await using var context = Db.CreateContext();

        Assert.IsType<PurgeRequestResult.NotFound>(await Requests(context).RequestAsync(GuildId, PurgeScope.Channel, ChannelC, "clips-c", Owner, CancellationToken.None));
        Assert.IsType<PurgeRequestResult.NotFound>(await Requests(context).RequestAsync(GuildId, PurgeScope.Channel, 12345, "x", Owner, CancellationToken.None));
        Assert.IsType<PurgeRequestResult.NotFound>(await Requests(context).RequestAsync(98765, PurgeScope.Guild, null, PurgePhrases.Guild, Owner, CancellationToken.None));
    }
}

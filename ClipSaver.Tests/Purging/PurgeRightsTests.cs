namespace ClipSaver.Tests.Purging;

/// <summary>
/// The purge use cases called directly, as a new way in (the Gateway, a command line) would call them: they check the
/// owner themselves, live with Discord, without any page or endpoint in front.
/// </summary>
public sealed class PurgeRightsTests : ClipClubTestBase
{

    private static Actor Owner => Actor.User(TestDiscord.Id(DemoUsers.Owner.Id));

    private static Actor Manager => Actor.User(TestDiscord.Id(DemoUsers.Manager.Id));

    private static Actor Member => Actor.User(TestDiscord.Id(DemoUsers.Member.Id));

    /// <summary>Calls a use case in its own scope, as a new way in would.</summary>
    private async Task<PurgeResult> CallAsync<T>(Func<T, Task<PurgeResult>> call)
        where T : notnull
    {
        PurgeResult? result = null;
        await RunAsync<T>(async useCase => { result = await call(useCase); });
        return result!;
    }

    [Fact]
    public async Task A_manager_is_refused_every_purge_action_and_a_member_learns_nothing_and_nothing_is_recorded()
    {
        var run = Assert.IsType<PurgeResult.Accepted>(await CallAsync<RequestPurge>(r => r.RunAsync(Owner, GuildId, PurgeScope.Channel, ChannelId, ChannelName, CancellationToken.None))).Run;

        Assert.IsType<PurgeResult.NotOwner>(await CallAsync<RequestPurge>(r => r.RunAsync(Manager, GuildId, PurgeScope.Guild, null, PurgeScopes.GuildPhrase, CancellationToken.None)));
        Assert.IsType<PurgeResult.NotOwner>(await CallAsync<PreviewPurge>(p => p.RunAsync(Manager, GuildId, PurgeScope.AllChannels, null, CancellationToken.None)));
        Assert.IsType<PurgeResult.NotOwner>(await CallAsync<ListPurgeClips>(l => l.RunAsync(Manager, GuildId, PurgeScope.AllChannels, null, CancellationToken.None)));
        Assert.IsType<PurgeResult.NotOwner>(await CallAsync<CancelPurge>(c => c.RunAsync(Manager, run.Id, null, CancellationToken.None)));
        Assert.IsType<PurgeResult.NotFound>(await CallAsync<RequestPurge>(r => r.RunAsync(Member, GuildId, PurgeScope.Guild, null, PurgeScopes.GuildPhrase, CancellationToken.None)));
        Assert.IsType<PurgeResult.NotFound>(await CallAsync<PreviewPurge>(p => p.RunAsync(Member, GuildId, PurgeScope.Guild, null, CancellationToken.None)));
        Assert.IsType<PurgeResult.NotFound>(await CallAsync<CancelPurge>(c => c.RunAsync(Member, run.Id, null, CancellationToken.None)));

        await using var db = Db.CreateContext();
        Assert.Equal(PurgeStatus.Scheduled, (await db.PurgeRuns.SingleAsync()).Status);
        Assert.Null(await db.Guilds.Where(g => g.Id == GuildId).Select(g => g.AllChannelsPurgeCooldownUntil).FirstAsync());
        Assert.Equal(["purge.requested"], await db.AuditEvents.Where(e => e.Action.StartsWith("purge.")).Select(e => e.Action).ToListAsync());
    }

    [Fact]
    public async Task The_owner_check_inside_the_use_case_is_live_a_cached_owner_who_lost_the_guild_is_refused()
    {
        // The preview reads the role through the cache, which now says "owner" for a while.
        Assert.IsType<PurgeResult.Previewed>(await CallAsync<PreviewPurge>(p => p.RunAsync(Owner, GuildId, PurgeScope.AllChannels, null, CancellationToken.None)));
        Discord.World.SetOwner((ulong)GuildId, DemoUsers.Manager.Id);

        var refused = await CallAsync<RequestPurge>(r => r.RunAsync(Owner, GuildId, PurgeScope.AllChannels, null, PurgeScopes.AllChannelsPhrase, CancellationToken.None));

        Assert.True(refused is PurgeResult.NotOwner or PurgeResult.NotFound, refused.ToString());
        await using var db = Db.CreateContext();
        Assert.False(await db.PurgeRuns.AnyAsync());
    }
}

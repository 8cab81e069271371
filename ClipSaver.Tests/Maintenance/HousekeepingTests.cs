using Microsoft.Extensions.Caching.Memory;

namespace ClipSaver.Tests.Maintenance;

public sealed class HousekeepingTests : DatabaseTestBase
{
    [Fact]
    public async Task Install_intents_go_only_after_their_expiry_plus_the_grace_period()
    {
        var user = await AddUserAsync("u");
        var now = Clock.GetUtcNow();
        await using (var context = Db.CreateContext())
        {
            context.InstallIntents.AddRange(
                new InstallIntent { State = "long-gone", UserId = user, CreatedAt = now.AddHours(-3), ExpiresAt = now.AddHours(-2) },
                new InstallIntent { State = "in-grace", UserId = user, CreatedAt = now.AddMinutes(-40), ExpiresAt = now.AddMinutes(-30) },
                new InstallIntent { State = "alive", UserId = user, CreatedAt = now, ExpiresAt = now.AddMinutes(10) });
            await context.SaveChangesAsync();
        }

        await using var jobContext = Db.CreateContext();
        var job = new ExpiredIntentsJob(jobContext, new ClipSaverConnection(Db.ConnectionString),
            new StaticMonitor<HousekeepingOptions>(new HousekeepingOptions { IntentGrace = TimeSpan.FromHours(1) }), Clock, NullLogger<ExpiredIntentsJob>.Instance);
        var result = await job.RunAsync(CancellationToken.None);

        Assert.Equal(1, result.Deleted);
        Assert.Equal(["alive", "in-grace"], await jobContext.InstallIntents.OrderBy(i => i.State).Select(i => i.State).ToListAsync());
    }

    [Fact]
    public async Task A_removed_guild_is_purged_after_its_grace_days_and_not_before_nor_when_reinvited()
    {
        var owner = await AddUserAsync("owner");
        var now = Clock.GetUtcNow();
        Guild Removed(int daysAgo) => new()
        {
            Id = TestData.NewId(),
            Name = $"removed {daysAgo} days ago",
            OwnerId = owner,
            CreatedAt = now.AddDays(-100),
            DeletedAt = now.AddDays(-daysAgo),
            DeletionReason = GuildDeletionReason.BotRemoved,
        };
        var due = Removed(31);
        var inGrace = Removed(29);
        var reinvited = TestData.Guild(ownerId: owner);
        await using (var context = Db.CreateContext())
        {
            context.AddRange(due, inGrace, reinvited);
            await context.SaveChangesAsync();
        }

        await using (var jobContext = Db.CreateContext())
        {
            var storage = TestJobs.Storage(Db);
            // ClipSaver itself requests these purges: the access service, and so Discord, is never asked.
            using var discord = new HttpClient();
            var access = new GuildAccess(jobContext, new DiscordRestClient(discord), new MemoryCache(new MemoryCacheOptions()), new StaticMonitor<AccessOptions>(new AccessOptions()), NullLogger<GuildAccess>.Instance);
            var purges = new RequestPurge(jobContext, access, TestJobs.Client(storage), new StaticMonitor<PurgeOptions>(new PurgeOptions()), Clock);
            var job = new GracePeriodJob(jobContext, new ClipSaverConnection(Db.ConnectionString), purges,
                new StaticMonitor<RetentionOptions>(new RetentionOptions { RemovedGuildGraceDays = 30 }), Clock, NullLogger<GracePeriodJob>.Instance);

            var first = await job.RunAsync(CancellationToken.None);
            var second = await job.RunAsync(CancellationToken.None);

            Assert.Equal([due.Id], first.GuildsPurged);
            Assert.Empty(second.GuildsPurged);
        }

        await using var check = Db.CreateContext();
        var run = await check.PurgeRuns.SingleAsync();
        Assert.Equal((due.Id, PurgeScope.Guild, PurgeStatus.Scheduled, (long?)null), (run.GuildId, run.Scope, run.Status, run.RequestedBy));
        Assert.NotNull(run.HangfireJobId);
    }
}

using ClipSaver.Core.OwnData;
using ClipSaver.Tests.Purging;

namespace ClipSaver.Tests.OwnData;

/// <summary>A member's deletion of their own clips runs through the purge job, beside the owner's purges.</summary>
public sealed class OwnDeletionDuringPurgeTests : PurgeFixture
{
    private const long Member = 300_000_000_000_000_077;

    private async Task SeedMemberClipsAsync(long guildId, long channelId, int count)
    {
        await using var context = Db.CreateContext();
        if (!await context.Users.AnyAsync(u => u.Id == Member))
        {
            context.Users.Add(new User { Id = Member, Username = "member77", CreatedAt = Clock.GetUtcNow() });
        }

        for (var i = 0; i < count; i++)
        {
            var attachment = TestData.NewId();
            var key = ClipStorageKeys.ForAttachment(guildId, channelId, attachment, "mine.mp4");
            var stored = await Storage.PutAsync(key, new MemoryStream(new byte[50]), 10_000, CancellationToken.None);
            context.Clips.Add(TestData.Clip(guildId, channelId, Member, "mine.mp4", 50, Clock.GetUtcNow().AddHours(-i), storageKey: key, attachmentId: attachment, sha256: stored.Sha256,
                crc32: stored.Crc32));
        }

        await context.SaveChangesAsync();
        await context.Channels.Where(c => c.Id == channelId).ExecuteUpdateAsync(s => s.SetProperty(c => c.ClipCount, c => c.ClipCount + count).SetProperty(c => c.ClipBytes, c => c.ClipBytes + (50 * count)));
    }

    private async Task<PurgeRun> RequestOwnDeletionAsync()
    {
        await using var context = Db.CreateContext();
        var delete = new DeleteOwnClips(context, new ListOwnClips(context), TestJobs.Client(JobStorage), new StaticMonitor<PurgeOptions>(Options), Clock);
        var accepted = Assert.IsType<OwnDeletionResult.Accepted>(await delete.RequestAsync(Actor.User(Member), GuildId, "member77", CancellationToken.None));
        Clock.Advance(Options.UndoWindow);
        return Assert.Single(accepted.Runs);
    }

    [Fact]
    public async Task A_members_deletion_while_a_purge_of_the_same_channel_runs_waits_for_it_and_the_counts_add_up()
    {
        await SeedMemberClipsAsync(GuildId, ChannelA, 5);
        await SeedMemberClipsAsync(GuildId, ChannelB, 3);
        await SeedMemberClipsAsync(OtherGuildId, ChannelC, 2);
        var channelPurge = await RequestDueAsync(PurgeScope.Channel, ChannelA);
        var own = await RequestOwnDeletionAsync();
        long before;
        await using (var context = Db.CreateContext())
        {
            before = await context.Clips.LongCountAsync(c => c.ChannelId == ChannelA || (c.GuildId == GuildId && c.AuthorId == Member));
            // The channel purge is under way (its job holds the scope), as when it started a moment earlier.
            await context.PurgeRuns.Where(p => p.Id == channelPurge.Id).ExecuteUpdateAsync(s => s.SetProperty(p => p.Status, PurgeStatus.Running));
        }

        var deletion = RunJobAsync(own);
        await using (var context = Db.CreateContext())
        {
            // The member's clips outside the purged channel go; those inside are left to the purge, and the deletion waits.
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (await context.Clips.CountAsync(c => c.ChannelId == ChannelB && c.AuthorId == Member) > 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }

            await Task.Delay(500);
            Assert.False(deletion.IsCompleted, "The deletion waits while the purge holds the channel.");
            Assert.Equal(5, await context.Clips.CountAsync(c => c.ChannelId == ChannelA && c.AuthorId == Member));
            Assert.Equal(PurgeStatus.Running, await context.PurgeRuns.Where(p => p.Id == own.Id).Select(p => p.Status).SingleAsync());
        }

        await RunJobAsync(channelPurge);
        await deletion.WaitAsync(TimeSpan.FromSeconds(30));

        await using (var context = Db.CreateContext())
        {
            var runs = await context.PurgeRuns.AsNoTracking().Where(p => p.Id == own.Id || p.Id == channelPurge.Id).ToDictionaryAsync(p => p.Id);
            Assert.All(runs.Values, r => Assert.Equal(PurgeStatus.Completed, r.Status));
            var ownReport = PurgeReport.Parse(runs[own.Id].ReportJson);
            var purgeReport = PurgeReport.Parse(runs[channelPurge.Id].ReportJson);
            Assert.Equal(3, ownReport.ClipsDeleted);
            Assert.Equal(3, ownReport.FilesDeleted);
            Assert.Equal(150, ownReport.BytesDeleted);
            Assert.True(ownReport.VerificationOk);
            Assert.Equal(before, ownReport.ClipsDeleted + purgeReport.ClipsDeleted);
            Assert.Equal(0, await context.Clips.CountAsync(c => c.GuildId == GuildId && c.AuthorId == Member));
            Assert.Equal(2, await context.Clips.CountAsync(c => c.GuildId == OtherGuildId && c.AuthorId == Member));
            Assert.Equal(11, await context.Clips.CountAsync(c => c.ChannelId == ChannelB));
            Assert.Equal(11, await context.Channels.Where(c => c.Id == ChannelB).Select(c => c.ClipCount).SingleAsync());

            var audit = await context.AuditEvents.AsNoTracking().SingleAsync(e => e.Action == "member.clips_deleted");
            Assert.Equal(GuildId, audit.GuildId);
            Assert.Null(audit.ActorUserId);
            Assert.Equal("A member deleted 3 clips they had posted.", audit.Summary);
        }

        Assert.Empty(await Storage.ListAsync(ClipStorageKeys.ChannelPrefix(GuildId, ChannelB), CancellationToken.None)
            .Where(f => f.SizeBytes == 50).ToListAsync());
    }

    [Fact]
    public async Task A_member_deletion_never_touches_another_authors_clip_and_only_its_member_may_cancel_it()
    {
        await SeedMemberClipsAsync(GuildId, ChannelB, 4);
        var others = await SnapshotAsync(OtherGuildId);
        await using (var context = Db.CreateContext())
        {
            var delete = new DeleteOwnClips(context, new ListOwnClips(context), TestJobs.Client(JobStorage), new StaticMonitor<PurgeOptions>(Options), Clock);
            Assert.IsType<OwnDeletionResult.WrongPhrase>(await delete.RequestAsync(Actor.User(Member), null, "Member77", CancellationToken.None));
            Assert.Equal(0, await context.PurgeRuns.CountAsync());
        }

        var run = await RequestOwnDeletionAsync();
        await using (var context = Db.CreateContext())
        {
            // Scheduled again to be cancellable: the owner of the guild may not cancel it, the member may.
            await context.PurgeRuns.Where(p => p.Id == run.Id).ExecuteUpdateAsync(s => s.SetProperty(p => p.NotBefore, Clock.GetUtcNow().AddMinutes(1)));
            Assert.IsType<PurgeResult.NotFound>(await Cancel(context).RunAsync(OwnerActor, run.Id, null, CancellationToken.None));
            Assert.IsType<PurgeResult.Cancelled>(await Cancel(context).RunAsync(Actor.User(Member), run.Id, null, CancellationToken.None));
        }

        var again = await RequestOwnDeletionAsync();
        await RunJobAsync(again);

        await using (var context = Db.CreateContext())
        {
            Assert.Equal(0, await context.Clips.CountAsync(c => c.AuthorId == Member));
            Assert.Equal(23, await context.Clips.CountAsync(c => c.ChannelId == ChannelA));
            Assert.Equal(11, await context.Clips.CountAsync(c => c.ChannelId == ChannelB));
        }

        Assert.Equal(others, await SnapshotAsync(OtherGuildId));
    }
}

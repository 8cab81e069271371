using Hangfire.States;

namespace ClipSaver.Tests.Purging;

/// <summary>
/// A purge job fetched by a worker whose process was killed (its queue entry fetched and never given back, its state
/// left at Processing) is taken up by a live server once the short invisibility timeout has passed — not after
/// Hangfire.PostgreSql's default half hour (docs/decisions/015-crash-recovery.md).
/// </summary>
[Collection(BrowserTestsRunAlone.Name)]
public sealed class KilledWorkerTests : AppTestBase
{
    protected override IReadOnlyDictionary<string, string?> Settings =>
        TestJobs.ServerSettings("00:00:00.250", workers: null, ("ClipSaver:Jobs:InvisibilityTimeout", "00:00:03"));

    [Theory]
    [InlineData(PurgeStatus.Scheduled)] // killed between the pick-up and the status update
    [InlineData(PurgeStatus.Running)] // killed in the middle of the run
    public async Task A_purge_whose_worker_was_killed_is_taken_up_by_a_live_server_within_seconds(PurgeStatus leftAs)
    {
        long runId, channelId;
        await using (var db = Db.CreateContext())
        {
            var guild = TestData.Guild();
            var channel = TestData.Channel(guild.Id);
            db.AddRange(guild, channel);
            await db.SaveChangesAsync();
            channelId = channel.Id;
            for (var i = 0; i < 5; i++)
            {
                db.Clips.Add(TestData.Clip(guild.Id, channel.Id, TestData.NewId(), "clip.mp4", 10));
            }

            var run = new PurgeRun
            {
                GuildId = guild.Id,
                Scope = PurgeScope.Channel,
                ChannelId = channel.Id,
                RequestedAt = DateTimeOffset.UtcNow.AddMinutes(-3),
                NotBefore = DateTimeOffset.UtcNow.AddMinutes(-1),
                Status = leftAs,
                Step = leftAs == PurgeStatus.Running ? "deleting_rows" : "scheduled",
                StartedAt = leftAs == PurgeStatus.Running ? DateTimeOffset.UtcNow.AddSeconds(-30) : null,
                HeartbeatAt = leftAs == PurgeStatus.Running ? DateTimeOffset.UtcNow.AddSeconds(-1) : null,
            };
            db.PurgeRuns.Add(run);
            await db.SaveChangesAsync();
            runId = run.Id;
        }

        // The dead process's worker: it fetched the job from the queue and marked it processing, then died.
        var storage = TestJobs.Storage(Db);
        var client = TestJobs.Client(storage);
        var jobId = client.Enqueue<PurgeJob>(j => j.RunAsync(runId, CancellationToken.None));
        await using (var db = Db.CreateContext())
        {
            await db.PurgeRuns.Where(p => p.Id == runId).ExecuteUpdateAsync(s => s.SetProperty(p => p.HangfireJobId, jobId));
        }

        using (var connection = storage.GetConnection())
        {
            var fetched = connection.FetchNextJob([JobQueues.Purge], CancellationToken.None);
            Assert.Equal(jobId, fetched.JobId); // never disposed: a killed process gives nothing back
        }

        await using (var db = Db.CreateContext())
        {
            // The state its worker gave it (ProcessingState cannot be built outside Hangfire).
            await db.Database.ExecuteSqlAsync($"UPDATE hangfire.job SET statename = 'Processing' WHERE id = {long.Parse(jobId, System.Globalization.CultureInfo.InvariantCulture)}");
        }

        _ = App.Services; // a live instance starts (its start, slow on a loaded machine, is not what is timed)
        var watch = System.Diagnostics.Stopwatch.StartNew();
        PurgeRun? stored = null;
        while (watch.Elapsed < TimeSpan.FromSeconds(60))
        {
            await using var db = Db.CreateContext();
            stored = await db.PurgeRuns.AsNoTracking().SingleAsync(p => p.Id == runId);
            if (stored.Status == PurgeStatus.Completed)
            {
                break;
            }

            await Task.Delay(100);
        }

        Assert.Equal(PurgeStatus.Completed, stored?.Status);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed} to be taken up again");
        Assert.Equal(jobId, stored!.HangfireJobId); // the run names the job that ran it
        await using var check = Db.CreateContext();
        Assert.Equal(0, await check.Clips.CountAsync(c => c.ChannelId == channelId));
        Assert.Equal(5, PurgeReport.Parse(stored.ReportJson).ClipsDeleted);
        Assert.Equal(SucceededState.StateName, (await TestJobs.WaitUntilFinishedAsync(storage, jobId, TimeSpan.FromSeconds(10))).Name);
    }
}

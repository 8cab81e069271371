using ClipSaver.Web.Jobs;
using ClipSaver.Web.Maintenance;

namespace ClipSaver.Tests.Maintenance;

/// <summary>
/// The on/off switch of a recurring job, through a real Hangfire server: a run the schedule starts while the switch is
/// off is skipped (and says so); once switched on, the schedule's runs work again; "Run now" works either way.
/// </summary>
[Collection(BrowserTestsRunAlone.Name)]
public sealed class JobSwitchTests : AppTestBase
{
    private static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(60);

    protected override IReadOnlyDictionary<string, string?> Settings =>
        TestJobs.ServerSettings("00:00:00.250", workers: 1);

    private JobStorage Storage => App.Services.GetRequiredService<JobStorage>();

    /// <summary>
    /// Registers the expired-intents job as the app does, but with a schedule that never comes round: the test plays
    /// the scheduler with TriggerJob, which starts a run exactly as the schedule does (with its RecurringJobId).
    /// </summary>
    private IRecurringJobManagerV2 RegisterExpiredIntentsJob()
    {
        var manager = App.Services.GetRequiredService<IRecurringJobManagerV2>();
        var definition = App.Services.GetServices<RecurringJobDefinition>().Single(d => d.Id == ExpiredIntentsJob.RecurringJobId);
        definition.Registration(manager, definition.Id, Cron.Never());
        return manager;
    }

    private async Task<long> PlantExpiredIntentAsync()
    {
        await using var db = Db.CreateContext();
        var user = new User { Id = TestData.NewId(), Username = "installer", CreatedAt = DateTimeOffset.UtcNow };
        var intent = new InstallIntent
        {
            State = Guid.NewGuid().ToString("N"),
            UserId = user.Id,
            CreatedAt = DateTimeOffset.UtcNow.AddDays(-30),
            ExpiresAt = DateTimeOffset.UtcNow.AddDays(-29),
        };
        db.AddRange(user, intent);
        await db.SaveChangesAsync();
        return intent.Id;
    }

    private async Task SwitchAsync(string jobId, bool enabled)
    {
        await using var db = Db.CreateContext();
        var row = await db.JobSwitches.FindAsync(jobId);
        if (row is null)
        {
            row = new JobSwitch { JobId = jobId };
            db.JobSwitches.Add(row);
        }

        row.Enabled = enabled;
        row.UpdatedAt = DateTimeOffset.UtcNow;
        await db.SaveChangesAsync();
    }

    private async Task<bool> IntentExistsAsync(long id)
    {
        await using var db = Db.CreateContext();
        return await db.InstallIntents.AnyAsync(i => i.Id == id);
    }

    private string? SkippedParameter(string jobId)
    {
        using var connection = Storage.GetConnection();
        return connection.GetJobParameter(jobId, JobSwitchFilter.SkippedParameter);
    }

    [Fact]
    public async Task A_switched_off_job_is_skipped_when_its_schedule_runs_it_and_runs_again_once_switched_on()
    {
        var manager = RegisterExpiredIntentsJob();
        var intent = await PlantExpiredIntentAsync();
        await SwitchAsync(ExpiredIntentsJob.RecurringJobId, enabled: false);

        var skipped = manager.TriggerJob(ExpiredIntentsJob.RecurringJobId);
        Assert.NotNull(skipped);
        var skippedState = await TestJobs.WaitUntilFinishedAsync(Storage, skipped, JobTimeout);

        Assert.Equal("Deleted", skippedState.Name);
        Assert.Equal(JobSwitchFilter.SkippedReason, skippedState.Reason);
        Assert.Equal("true", SkippedParameter(skipped));
        Assert.True(await IntentExistsAsync(intent), "A run skipped by the switch must not do the job's work.");

        await SwitchAsync(ExpiredIntentsJob.RecurringJobId, enabled: true);
        var ran = manager.TriggerJob(ExpiredIntentsJob.RecurringJobId);
        Assert.NotNull(ran);
        var ranState = await TestJobs.WaitUntilFinishedAsync(Storage, ran, JobTimeout);

        Assert.Equal("Succeeded", ranState.Name);
        Assert.Null(SkippedParameter(ran));
        Assert.False(await IntentExistsAsync(intent));
    }

    [Fact]
    public async Task Run_now_runs_a_switched_off_job_and_the_switch_only_affects_its_own_job()
    {
        var manager = RegisterExpiredIntentsJob();
        var intent = await PlantExpiredIntentAsync();
        await SwitchAsync(ExpiredIntentsJob.RecurringJobId, enabled: false);
        // Another job switched off does not stop this one.
        await SwitchAsync(RetentionPurgeJob.RecurringJobId, enabled: false);

        var runNow = MaintenanceJobs.Enqueue(App.Services.GetRequiredService<IBackgroundJobClient>(), ExpiredIntentsJob.RecurringJobId, false, null, null);
        Assert.NotNull(runNow);
        Assert.Equal("Succeeded", (await TestJobs.WaitUntilFinishedAsync(Storage, runNow, JobTimeout)).Name);
        Assert.False(await IntentExistsAsync(intent));

        var other = await PlantExpiredIntentAsync();
        await SwitchAsync(ExpiredIntentsJob.RecurringJobId, enabled: true);
        var scheduled = manager.TriggerJob(ExpiredIntentsJob.RecurringJobId);
        Assert.NotNull(scheduled);
        Assert.Equal("Succeeded", (await TestJobs.WaitUntilFinishedAsync(Storage, scheduled, JobTimeout)).Name);
        Assert.False(await IntentExistsAsync(other));
    }
}

namespace ClipSaver.Web.Jobs;

/// <summary>
/// Registers every recurring job in one place, with stable ids and intervals from configuration. AddOrUpdate is
/// idempotent and takes a lock, so every instance may run this at start-up.
/// </summary>
public sealed partial class RecurringJobsRegistrar(
    IRecurringJobManager manager,
    IBackgroundJobClient jobs,
    IEnumerable<RecurringJobDefinition> definitions,
    Microsoft.Extensions.Options.IOptions<ClipSaver.Core.Maintenance.RetentionOptions> retention,
    ILogger<RecurringJobsRegistrar> logger)
    : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var job in definitions)
        {
            job.Register(manager);
            if (job.Keeps is { } keeps)
            {
                LogRegisteredKeeping(logger, job.Id, job.Cron, keeps);
            }
            else
            {
                LogRegistered(logger, job.Id, job.Cron);
            }
        }

        // A backlog of job records (after a long stop) is cleared soon after start-up, not hours later. Several
        // instances may each schedule one; the job's advisory lock lets one work and the others skip.
        if (retention.Value.StartupDelay > TimeSpan.Zero)
        {
            jobs.Schedule<ClipSaver.Core.Maintenance.RetentionPurgeJob>(j => j.RunAsync(null, CancellationToken.None), retention.Value.StartupDelay);
        }

        // Runs that were in flight when an instance died are picked up right after this one starts, not at the next
        // minute; the dispatcher's lock lets one instance work and the others skip.
        jobs.Enqueue<ClipSaver.Core.Jobs.RunRecovery>(j => j.RunAsync(CancellationToken.None));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Recurring job {JobId} registered with schedule {Cron}")]
    private static partial void LogRegistered(ILogger logger, string jobId, string cron);

    [LoggerMessage(Level = LogLevel.Information, Message = "Recurring job {JobId} registered with schedule {Cron}; it keeps {Keeps}")]
    private static partial void LogRegisteredKeeping(ILogger logger, string jobId, string cron, string keeps);
}

/// <summary>One recurring job: a stable id, a cron expression from options, and how to register it.</summary>
public sealed record RecurringJobDefinition(string Id, string Cron, Action<IRecurringJobManager, string, string> Registration)
{
    /// <summary>For a job that deletes by age: what it keeps and for how long, logged with the schedule.</summary>
    public string? Keeps { get; init; }

    public void Register(IRecurringJobManager manager) => Registration(manager, Id, Cron);
}

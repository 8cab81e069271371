using Hangfire;

namespace ClipSaver.Web.Jobs;

/// <summary>
/// Registers every recurring job in one place, with stable ids and intervals from configuration. AddOrUpdate is
/// idempotent and takes a lock, so every instance may run this at start-up.
/// </summary>
public sealed partial class RecurringJobsRegistrar(IRecurringJobManager manager, IEnumerable<RecurringJobDefinition> definitions, ILogger<RecurringJobsRegistrar> logger)
    : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var job in definitions)
        {
            job.Register(manager);
            LogRegistered(logger, job.Id, job.Cron);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Recurring job {JobId} registered with schedule {Cron}")]
    private static partial void LogRegistered(ILogger logger, string jobId, string cron);
}

/// <summary>One recurring job: a stable id, a cron expression from options, and how to register it.</summary>
public sealed record RecurringJobDefinition(string Id, string Cron, Action<IRecurringJobManager, string, string> Registration)
{
    public void Register(IRecurringJobManager manager) => Registration(manager, Id, Cron);
}

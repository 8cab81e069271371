using ClipSaver.Core.Data;
using Hangfire.Server;

namespace ClipSaver.Web.Jobs;

/// <summary>
/// Skips a recurring job's run when an operator switched the job off on /admin. Only runs started by the recurring
/// scheduler are skipped; "Run now" always runs.
/// </summary>
public sealed partial class JobSwitchFilter(IServiceScopeFactory scopes, ILogger<JobSwitchFilter> logger) : IServerFilter
{
    public void OnPerforming(PerformingContext context)
    {
        var recurringId = context.GetJobParameter<string>("RecurringJobId");
        if (recurringId is null)
        {
            return;
        }

        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<ClipSaverDbContext>();
        if (db.JobSwitches.Any(s => s.JobId == recurringId && !s.Enabled))
        {
            LogSkipped(logger, recurringId);
            context.Canceled = true;
        }
    }

    public void OnPerformed(PerformedContext context)
    {
    }

    [LoggerMessage(LogLevel.Information, "Recurring job {JobId} is switched off on the admin page; this run is skipped.")]
    private static partial void LogSkipped(ILogger logger, string jobId);
}

using Hangfire.Server;
using Hangfire.States;

namespace ClipSaver.Web.Jobs;

/// <summary>
/// Skips a recurring job's run when an operator switched the job off on /admin. Only runs started by the recurring
/// scheduler are skipped; "Run now" always runs. A skipped run is logged, carries the job parameter
/// <see cref="SkippedParameter"/> (which /admin reads) and ends Deleted with a reason that says why.
/// </summary>
public sealed partial class JobSwitchFilter(IServiceScopeFactory scopes, ILogger<JobSwitchFilter> logger) : IServerFilter, IElectStateFilter
{
    public const string SkippedParameter = "SkippedBySwitch";
    public const string SkippedReason = "Skipped: the job is switched off on the admin page.";

    private const string SkippedItem = "ClipSaver.SkippedBySwitch";

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
            context.SetJobParameter(SkippedParameter, true);
            context.Items[SkippedItem] = recurringId;
            context.Canceled = true;
        }
    }

    public void OnPerformed(PerformedContext context)
    {
    }

    /// <summary>Hangfire moves a run cancelled by a filter to Deleted with a generic reason; this one says why.</summary>
    public void OnStateElection(ElectStateContext context)
    {
        if (context.CandidateState is DeletedState deleted && context.CustomData?.ContainsKey(SkippedItem) == true)
        {
            deleted.Reason = SkippedReason;
        }
    }

    [LoggerMessage(LogLevel.Information, "Recurring job {JobId} is switched off on the admin page; this run is skipped.")]
    private static partial void LogSkipped(ILogger logger, string jobId);
}

using Hangfire.Server;

namespace ClipSaver.Web.Jobs;

/// <summary>Makes the id of the job being performed known to the job's code (<see cref="CurrentJob"/>).</summary>
public sealed class CurrentJobFilter : IServerFilter
{
    // Set in a synchronous call before the job method is invoked on the same flow, so the job sees it.
    public void OnPerforming(PerformingContext context) => CurrentJob.Id = context.BackgroundJob.Id;

    public void OnPerformed(PerformedContext context) => CurrentJob.Id = null;
}

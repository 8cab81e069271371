namespace ClipSaver.Core.Purging;

/// <summary>
/// A run as it goes, for the danger zone's progress and the API's status: its steps (done, current, to come), the clips
/// deleted of those counted when it was requested, and an estimate of the time left from the rate so far. Computed from
/// the run's row and the time now, so it is the same wherever it is read.
/// </summary>
/// <param name="Steps">The run's steps in order (<see cref="PurgeJob"/>'s names).</param>
/// <param name="StepsDone">How many of <see cref="Steps"/> are finished.</param>
/// <param name="EstimatedSecondsLeft">Null while there is not enough to go on (see <see cref="MinimumElapsed"/>) or when the run is not deleting.</param>
public sealed record PurgeLive(IReadOnlyList<string> Steps, int StepsDone, string? Step, long ClipsDone, long ClipsTotal, int? EstimatedSecondsLeft)
{
    /// <summary>Deleting for less than this, the rate says little (the first batch includes the queries' warm-up).</summary>
    public static readonly TimeSpan MinimumElapsed = TimeSpan.FromSeconds(2);

    /// <summary>The steps of a run, in the order <see cref="PurgeJob"/> runs them.</summary>
    public static IReadOnlyList<string> StepsOf(PurgeRun run) => run switch
    {
        { Scope: PurgeScope.Author } => ["deleting_rows", "verifying"],
        _ when PurgeFilter.Of(run).IsNarrow => ["stopping_scans", "deleting_clips", "verifying"],
        { Scope: PurgeScope.Guild } => ["stopping_scans", "deleting_rows", "deleting_files", "removing_guild", "verifying"],
        _ => ["stopping_scans", "deleting_rows", "deleting_files", "verifying"],
    };

    public static PurgeLive Of(PurgeRun run, DateTimeOffset now)
    {
        var steps = StepsOf(run);
        var progress = PurgeReport.Parse(run.ReportJson ?? run.ProgressJson);
        var done = progress.ClipsDeleted;
        // Clips that arrived between the request and the fence are deleted too: the total is never below what went.
        var total = Math.Max(PurgePreview.Parse(run.PreviewJson)?.Clips ?? 0, done);
        var current = run.Step is { } s ? steps.ToList().IndexOf(s) : -1;
        var stepsDone = run.Status == PurgeStatus.Completed ? steps.Count : Math.Max(0, current);
        var firstDelete = steps[0] == "stopping_scans" ? 1 : 0;
        int? left = null;
        if (run.Status == PurgeStatus.Running && run.StartedAt is { } started && current >= firstDelete)
        {
            // The deletes began when the steps before them ended: their time (the wait for scans) is not the rate's.
            var before = steps.Take(firstDelete).Sum(step => progress.TimingsMs.GetValueOrDefault(step));
            left = Estimate(done, total, now - started - TimeSpan.FromMilliseconds(before));
        }

        return new PurgeLive(steps, stepsDone, run.Status is PurgeStatus.Scheduled or PurgeStatus.Running ? run.Step : null, done, total, left);
    }

    /// <summary>
    /// Seconds left to delete <paramref name="total"/> clips at the rate of <paramref name="done"/> in <paramref name="elapsed"/>;
    /// zero once all are done; null until something was deleted and <see cref="MinimumElapsed"/> has passed.
    /// </summary>
    public static int? Estimate(long done, long total, TimeSpan elapsed)
    {
        if (done >= total)
        {
            return 0;
        }

        if (done <= 0 || elapsed < MinimumElapsed)
        {
            return null;
        }

        var seconds = (total - done) * elapsed.TotalSeconds / done;
        return (int)Math.Min(int.MaxValue, Math.Ceiling(seconds));
    }
}

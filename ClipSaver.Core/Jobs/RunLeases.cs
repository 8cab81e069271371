namespace ClipSaver.Core.Jobs;

/// <summary>
/// Names of the advisory locks that make a job the one live executor of a run. A job takes its run's lease before it
/// touches the run and keeps it until it ends; a second copy (Hangfire's retry, a re-fetched job, the recovery
/// dispatcher's re-enqueue) finds it taken and leaves. A killed process loses its lease with its connection.
/// </summary>
public static class RunLeases
{
    public static string Purge(long purgeRunId) => $"run:purge:{purgeRunId}";

    public static string Scan(long scanRunId) => $"run:scan:{scanRunId}";

    public static string Export(long exportId) => $"run:export:{exportId}";
}

/// <summary>
/// The Hangfire job this code runs in, set by a server filter before a job is performed (null outside Hangfire, as in
/// tests that call a job directly). Runs record it, so that the job id on a run always names the job that works on it.
/// </summary>
public static class CurrentJob
{
    private static readonly AsyncLocal<string?> Current = new();

    public static string? Id
    {
        get => Current.Value;
        set => Current.Value = value;
    }
}

namespace ClipSaver.Core;

/// <summary>The <c>ClipSaver</c> configuration section. Every key is listed in README.md.</summary>
public sealed class ClipSaverOptions : IValidatableObject
{
    public const string Section = "ClipSaver";

    /// <summary>Discord user ids of the operators of this installation (Hangfire dashboard, /admin).</summary>
    public List<long> Operators { get; set; } = [];

    /// <summary>
    /// The address people use to reach ClipSaver (<c>https://clips.example.org</c>). When set, the redirect URIs sent
    /// to Discord (login, bot install) are built from it, whatever scheme and host a request arrived with.
    /// </summary>
    public Uri? PublicBaseUrl { get; set; }

    public bool HasValidPublicBaseUrl => PublicBaseUrl is null
        || (PublicBaseUrl.IsAbsoluteUri && (PublicBaseUrl.Scheme == Uri.UriSchemeHttps || PublicBaseUrl.Scheme == Uri.UriSchemeHttp)
            && string.IsNullOrEmpty(PublicBaseUrl.Query) && string.IsNullOrEmpty(PublicBaseUrl.Fragment));

    public bool IsOperator(long userId) => Operators.Contains(userId);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Operators.Any(id => id <= 0))
        {
            yield return new ValidationResult("Operators are Discord user ids (positive numbers).", [nameof(Operators)]);
        }
    }
}

/// <summary>The <c>ClipSaver:Jobs</c> section: the Hangfire server inside the web app.</summary>
public sealed class JobsOptions : IValidatableObject
{
    public const string Section = "ClipSaver:Jobs";

    /// <summary>Whether this instance runs a Hangfire server (an instance may only serve pages).</summary>
    public bool ServerEnabled { get; set; } = true;

    /// <summary>Whether this instance registers the recurring jobs (the tests turn it off and run jobs themselves).</summary>
    public bool RecurringEnabled { get; set; } = true;

    /// <summary>Workers for purges, maintenance and the other short jobs.</summary>
    [Range(1, 100)]
    public int WorkerCount { get; set; } = 2;

    /// <summary>
    /// Workers for scans, in a Hangfire server of their own: a long backfill of many channels never holds up a purge
    /// or a maintenance job waiting for a free worker.
    /// </summary>
    [Range(1, 100)]
    public int ScanWorkerCount { get; set; } = 4;

    /// <summary>
    /// Queues this instance's server takes jobs from; empty means all of them. (Configuration binding appends to a
    /// list, so the default lives in <see cref="EffectiveQueues"/>, not in the initializer.)
    /// </summary>
    public List<string> Queues { get; set; } = [];

    public IReadOnlyList<string> EffectiveQueues => Queues.Count > 0 ? Queues : JobQueues.All;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var unknown = Queues.Where(q => !JobQueues.All.Contains(q)).ToList();
        if (unknown.Count > 0)
        {
            yield return new ValidationResult(
                $"Unknown queue(s) {string.Join(", ", unknown)}; the queues are {string.Join(", ", JobQueues.All)}.", [nameof(Queues)]);
        }
    }

    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long Hangfire keeps succeeded and deleted jobs.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan FinishedJobExpiration { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// How long a job fetched by a worker stays invisible to the others without a sign of life. The worker renews it
    /// while the job runs (sliding invisibility), so only the job of a dead process comes back, after this long.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:02", "01:00:00")]
    public TimeSpan InvisibilityTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

public static class JobQueues
{
    public const string Purge = "purge";
    public const string Scan = "scan";
    public const string Maintenance = "maintenance";
    public const string Default = "default";

    /// <summary>The thumbnail job's: it works for minutes on a backfill, so it has a server of its own (like scans).</summary>
    public const string Thumbnails = "thumbnails";

    public static readonly IReadOnlyList<string> All = [Purge, Scan, Maintenance, Default, Thumbnails];
}

using ClipSaver.Web.Jobs;
using ClipSaver.Web.Maintenance;
using Hangfire.Storage;

namespace ClipSaver.Web.Pages.Admin;

/// <summary>The operators' page: health, recurring jobs with run-now and on/off switches, queues and failures.</summary>
[Authorize]
public sealed class IndexModel(ClipSaverDbContext db, JobStorage storage, IBackgroundJobClient jobs, HealthCheckService health, IAuthorizationService authorization, TimeProvider clock, ClipSaver.Core.Gateway.GatewayStatus gateway) : PageModel
{
    /// <param name="LastSkipped">The last run was started by the schedule and skipped because the switch was off.</param>
    public sealed record JobRow(MaintenanceJobs.Definition Definition, string? Cron, DateTime? LastRun, string? LastState, bool LastSkipped, DateTime? NextRun, bool Enabled);

    /// <summary>The last member cleanup of one server (its audit event), with the server's name where it is known.</summary>
    public sealed record MemberCleanupRow(long? GuildId, string? GuildName, DateTimeOffset At, string? Summary);

    public HealthReport? Health { get; private set; }
    public IReadOnlyList<JobRow> Jobs { get; private set; } = [];
    public IReadOnlyList<(string Queue, long Length)> Queues { get; private set; } = [];
    public long FailedJobs { get; private set; }
    public OrphanReport? LastOrphanReport { get; private set; }
    public RetentionResult? LastRetention { get; private set; }
    public DateTimeOffset? LastRetentionAt { get; private set; }
    public IReadOnlyList<MemberCleanupRow> MemberCleanups { get; private set; } = [];
    public JobRow MemberCleanupSchedule => Jobs.Single(j => j.Definition.Id == MemberCleanupJob.RecurringJobId);
    public string? Notice { get; private set; }
    public ClipSaver.Core.Gateway.GatewayReport? Gateway { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (!await IsOperatorAsync())
        {
            return NotFound();
        }

        await LoadAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostRunAsync(string jobId, bool dryRun, int? overrideHours, CancellationToken cancellationToken)
    {
        if (!await IsOperatorAsync())
        {
            return NotFound();
        }

        if (overrideHours is < 0 or > 24 * 365)
        {
            Notice = "The age override must be between 0 and 8760 hours.";
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }
        else
        {
            var id = MaintenanceJobs.Enqueue(jobs, jobId, dryRun, overrideHours, null);
            Notice = id is null ? "Unknown job." : $"Started (Hangfire job {id}). Reload this page for its report, or follow it in /hangfire.";
            Response.StatusCode = id is null ? StatusCodes.Status404NotFound : StatusCodes.Status200OK;
        }

        await LoadAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostSwitchAsync(string jobId, bool enabled, CancellationToken cancellationToken)
    {
        if (!await IsOperatorAsync())
        {
            return NotFound();
        }

        if (MaintenanceJobs.All.All(j => j.Id != jobId))
        {
            return NotFound();
        }

        var row = await db.JobSwitches.FindAsync([jobId], cancellationToken);
        if (row is null)
        {
            row = new JobSwitch { JobId = jobId };
            db.JobSwitches.Add(row);
        }

        row.Enabled = enabled;
        row.UpdatedAt = clock.GetUtcNow();
        row.UpdatedBy = User.DiscordUserId();
        db.AuditEvents.Add(new AuditEvent { ActorUserId = User.DiscordUserId(), Action = enabled ? "job.enabled" : "job.disabled", Summary = $"Recurring job {jobId} switched {(enabled ? "on" : "off")}.", CreatedAt = row.UpdatedAt });
        await db.SaveChangesAsync(cancellationToken);
        return Redirect("/admin");
    }

    private async Task<bool> IsOperatorAsync() => (await authorization.AuthorizeAsync(User, Policies.Operator)).Succeeded;

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Health = await health.CheckHealthAsync(c => c.Tags.Contains("ready"), cancellationToken);
        Gateway = await gateway.ReadAsync(cancellationToken);
        List<RecurringJobDto> recurring;
        var skipped = new HashSet<string>(StringComparer.Ordinal);
        using (var connection = storage.GetConnection())
        {
            recurring = connection.GetRecurringJobs();
            foreach (var r in recurring.Where(r => r.LastJobId is not null))
            {
                if (connection.GetJobParameter(r.LastJobId, JobSwitchFilter.SkippedParameter) is not null)
                {
                    skipped.Add(r.Id);
                }
            }
        }

        var switches = await db.JobSwitches.AsNoTracking().ToDictionaryAsync(s => s.JobId, s => s.Enabled, cancellationToken);
        Jobs = [.. MaintenanceJobs.All.Select(d =>
        {
            var r = recurring.FirstOrDefault(x => x.Id == d.Id);
            return new JobRow(d, r?.Cron, r?.LastExecution, r?.LastJobState, skipped.Contains(d.Id), r?.NextExecution, switches.GetValueOrDefault(d.Id, true));
        })];
        var monitoring = storage.GetMonitoringApi();
        Queues = [.. monitoring.Queues().Select(q => (q.Name, q.Length))];
        FailedJobs = monitoring.FailedCount();
        var orphan = await db.AuditEvents.AsNoTracking().Where(a => a.Action == OrphanScan.AuditAction).OrderByDescending(a => a.CreatedAt).Select(a => a.DataJson).FirstOrDefaultAsync(cancellationToken);
        LastOrphanReport = orphan is null ? null : JsonSerializer.Deserialize<OrphanReport>(orphan, JsonSerializerOptions.Web);
        var retention = await db.AuditEvents.AsNoTracking().Where(a => a.Action == RetentionPurgeJob.AuditAction).OrderByDescending(a => a.CreatedAt)
            .Select(a => new { a.CreatedAt, a.DataJson }).FirstOrDefaultAsync(cancellationToken);
        LastRetention = retention?.DataJson is { } json ? JsonSerializer.Deserialize<RetentionResult>(json, JsonSerializerOptions.Web) : null;
        LastRetentionAt = retention?.CreatedAt;
        var cleanups = await db.AuditEvents.AsNoTracking().Where(a => a.Action == MemberCleanupJob.AuditAction)
            .GroupBy(a => a.GuildId).Select(g => g.OrderByDescending(a => a.CreatedAt).First()).Take(50).ToListAsync(cancellationToken);
        var guildIds = cleanups.Where(c => c.GuildId is not null).Select(c => c.GuildId!.Value).ToList();
        var names = await db.Guilds.AsNoTracking().Where(g => guildIds.Contains(g.Id)).ToDictionaryAsync(g => g.Id, g => g.Name, cancellationToken);
        MemberCleanups = [.. cleanups.OrderByDescending(c => c.CreatedAt)
            .Select(c => new MemberCleanupRow(c.GuildId, c.GuildId is { } id ? names.GetValueOrDefault(id) : null, c.CreatedAt, c.Summary))];
    }
}

using System.Text.Json;
using ClipSaver.Core.Data;
using ClipSaver.Core.Maintenance;
using ClipSaver.Web.Auth;
using ClipSaver.Web.Maintenance;
using Hangfire;
using Hangfire.Storage;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ClipSaver.Web.Pages.Admin;

/// <summary>The operators' page: health, recurring jobs with run-now and on/off switches, queues and failures.</summary>
[Authorize]
public sealed class IndexModel(ClipSaverDbContext db, JobStorage storage, IBackgroundJobClient jobs, HealthCheckService health, IAuthorizationService authorization, TimeProvider clock) : PageModel
{
    public sealed record JobRow(MaintenanceJobs.Definition Definition, string? Cron, DateTime? LastRun, string? LastState, DateTime? NextRun, bool Enabled);

    public HealthReport? Health { get; private set; }
    public IReadOnlyList<JobRow> Jobs { get; private set; } = [];
    public IReadOnlyList<(string Queue, long Length)> Queues { get; private set; } = [];
    public long FailedJobs { get; private set; }
    public OrphanReport? LastOrphanReport { get; private set; }
    public IReadOnlyList<AuditEvent> MemberCleanups { get; private set; } = [];
    public string? Notice { get; private set; }

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
            Notice = id is null ? "Unknown job." : $"Started (Hangfire job {id}). Its result appears in the job list and in /hangfire.";
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
        List<RecurringJobDto> recurring;
        using (var connection = storage.GetConnection())
        {
            recurring = connection.GetRecurringJobs();
        }

        var switches = await db.JobSwitches.AsNoTracking().ToDictionaryAsync(s => s.JobId, s => s.Enabled, cancellationToken);
        Jobs = [.. MaintenanceJobs.All.Select(d =>
        {
            var r = recurring.FirstOrDefault(x => x.Id == d.Id);
            return new JobRow(d, r?.Cron, r?.LastExecution, r?.LastJobState, r?.NextExecution, switches.GetValueOrDefault(d.Id, true));
        })];
        var monitoring = storage.GetMonitoringApi();
        Queues = [.. monitoring.Queues().Select(q => (q.Name, q.Length))];
        FailedJobs = monitoring.FailedCount();
        var orphan = await db.AuditEvents.AsNoTracking().Where(a => a.Action == OrphanScan.AuditAction).OrderByDescending(a => a.CreatedAt).Select(a => a.DataJson).FirstOrDefaultAsync(cancellationToken);
        LastOrphanReport = orphan is null ? null : JsonSerializer.Deserialize<OrphanReport>(orphan, JsonSerializerOptions.Web);
        MemberCleanups = await db.AuditEvents.AsNoTracking().Where(a => a.Action == MemberCleanupJob.AuditAction)
            .GroupBy(a => a.GuildId).Select(g => g.OrderByDescending(a => a.CreatedAt).First()).Take(50).ToListAsync(cancellationToken);
    }
}

using ClipSaver.Web.Maintenance;
using Hangfire.Storage;

namespace ClipSaver.Web.Apis;

/// <summary>Maintenance for operators: run each job (dry run and overrides where they exist), last results, the orphan report.</summary>
public static class MaintenanceApi
{
    public sealed record RunBody(bool DryRun = false, int? OverrideHours = null, string? GuildId = null);

    public sealed record JobQueuedDto(string HangfireJobId);

    public sealed record JobDto(string Id, string Title, string Description, bool HasDryRun, string? Cron, DateTime? LastRun, string? LastState, DateTime? NextRun, bool Enabled);

    public static IEndpointRouteBuilder MapMaintenanceApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapApiGroup().WithTags("Maintenance");
        api.MapGet("/maintenance/jobs", ListAsync).WithSummary("Recurring maintenance jobs with their last and next runs (operators)").ProducesProblems(404);
        api.MapPost("/maintenance/jobs/{jobId}/run", RunAsync).WithSummary("Run a maintenance job now (operators)").ProducesProblems(404, 415);
        api.MapGet("/maintenance/orphans", OrphansAsync).WithSummary("The last orphan scan report (operators)").ProducesProblems(404);
        return app;
    }

    private static async Task<bool> IsOperatorAsync(HttpContext http) =>
        (await http.RequestServices.GetRequiredService<IAuthorizationService>().AuthorizeAsync(http.User, Policies.Operator)).Succeeded;

    private static async Task<Results<Ok<List<JobDto>>, ProblemHttpResult>> ListAsync(HttpContext http, JobStorage storage, ClipSaverDbContext db, CancellationToken ct)
    {
        if (!await IsOperatorAsync(http))
        {
            return ApiSetup.Unknown("resource");
        }

        using var connection = storage.GetConnection();
        var recurring = connection.GetRecurringJobs();
        var switches = await db.JobSwitches.AsNoTracking().ToDictionaryAsync(s => s.JobId, s => s.Enabled, ct);
        return TypedResults.Ok(MaintenanceJobs.All.Select(d =>
        {
            var r = recurring.FirstOrDefault(x => x.Id == d.Id);
            return new JobDto(d.Id, d.Title, d.Description, d.HasDryRun, r?.Cron, r?.LastExecution, r?.LastJobState, r?.NextExecution, switches.GetValueOrDefault(d.Id, true));
        }).ToList());
    }

    private static async Task<Results<Accepted<JobQueuedDto>, ValidationProblem, ProblemHttpResult>> RunAsync(string jobId, RunBody? body, HttpContext http, IBackgroundJobClient jobs)
    {
        if (!await IsOperatorAsync(http))
        {
            return ApiSetup.Unknown("resource");
        }

        body ??= new RunBody();
        var errors = new Dictionary<string, string[]>();
        if (body.OverrideHours is < 0 or > 24 * 365)
        {
            errors["overrideHours"] = ["overrideHours must be between 0 and 8760."];
        }

        long? guildId = null;
        if (body.GuildId is not null)
        {
            if (Core.Discord.Snowflake.TryParse(body.GuildId, out var parsed))
            {
                guildId = parsed.ToInt64();
            }
            else
            {
                errors["guildId"] = ["guildId must be a Discord id."];
            }
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Bad request body.");
        }

        var id = MaintenanceJobs.Enqueue(jobs, jobId, body.DryRun, body.OverrideHours, guildId);
        return id is null ? ApiSetup.Unknown("job") : TypedResults.Accepted($"/hangfire/jobs/details/{id}", new JobQueuedDto(id));
    }

    private static async Task<Results<Ok<OrphanReport>, ProblemHttpResult>> OrphansAsync(HttpContext http, ClipSaverDbContext db, CancellationToken ct)
    {
        if (!await IsOperatorAsync(http))
        {
            return ApiSetup.Unknown("resource");
        }

        var json = await db.AuditEvents.AsNoTracking().Where(a => a.Action == OrphanScan.AuditAction).OrderByDescending(a => a.CreatedAt).Select(a => a.DataJson).FirstOrDefaultAsync(ct);
        return json is null ? ApiSetup.Unknown("orphan report") : TypedResults.Ok(JsonSerializer.Deserialize<OrphanReport>(json, JsonSerializerOptions.Web)!);
    }
}

using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Caching.Memory;
using Npgsql;

namespace ClipSaver.Web.Health;

public static class HealthEndpoints
{
    private const string Ready = "ready";

    public static IServiceCollection AddClipSaverHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: [Ready])
            .AddCheck<HangfireStorageHealthCheck>("hangfire", tags: [Ready])
            .AddCheck<ClipStorageHealthCheck>("storage", tags: [Ready])
            // At most Degraded: a Discord outage must not take every instance out of the load balancer.
            .AddCheck<DiscordHealthCheck>("discord", failureStatus: HealthStatus.Degraded, tags: [Ready])
            .AddCheck<GatewayHealthCheck>("gateway", failureStatus: HealthStatus.Degraded, tags: [Ready])
            // Without ffmpeg the clips wait for their previews; the instance serves everything else.
            .AddCheck<ThumbnailsHealthCheck>("thumbnails", failureStatus: HealthStatus.Degraded, tags: [Ready]);
        return services;
    }

    public static void MapClipSaverHealth(this IEndpointRouteBuilder app)
    {
        // Live: the process answers. Ready: its dependencies answer too.
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteJson });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(Ready), ResponseWriter = WriteJson });
    }

    /// <summary>Everyone sees each check's state; only operators see the sentences that explain it.</summary>
    private static async Task WriteJson(HttpContext context, HealthReport report)
    {
        var auth = context.RequestServices.GetRequiredService<IAuthorizationService>();
        var details = context.User.Identity?.IsAuthenticated == true && (await auth.AuthorizeAsync(context.User, Auth.Policies.Operator)).Succeeded;
        context.Response.ContentType = "application/json";
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.Select(e => new { name = e.Key, status = e.Value.Status.ToString(), description = details ? e.Value.Description : null }),
        };
        await context.Response.WriteAsync(JsonSerializer.Serialize(body, JsonSerializerOptions.Web));
    }
}

public sealed class DatabaseHealthCheck(ClipSaverConnection connection) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var conn = new NpgsqlConnection(connection.ConnectionString);
            await conn.OpenAsync(cancellationToken);
            await using var cmd = new NpgsqlCommand("SELECT 1", conn);
            await cmd.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy("The database answers.");
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("The database does not answer.");
        }
    }
}

public sealed class HangfireStorageHealthCheck(JobStorage storage, Microsoft.Extensions.Options.IOptions<JobsOptions> jobs) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var servers = storage.GetMonitoringApi().Servers();
            var alive = servers.Count(s => s.Heartbeat > DateTime.UtcNow.AddMinutes(-5));
            return Task.FromResult(jobs.Value.ServerEnabled && alive == 0
                ? HealthCheckResult.Unhealthy("Hangfire storage answers, but no job server has sent a heartbeat in the last 5 minutes.")
                : HealthCheckResult.Healthy($"Hangfire storage answers; {alive} job server(s) alive."));
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("Hangfire storage does not answer."));
        }
    }
}

/// <summary>
/// The clip storage takes a write, a read and a delete. The answer is cached (15 s when good, 5 s when bad) so that a
/// load balancer's probes every few seconds do not each write an object to the bucket.
/// </summary>
public sealed class ClipStorageHealthCheck(ClipSaver.Core.Storage.IClipStorage storage, IMemoryCache cache) : IHealthCheck
{
    public static readonly TimeSpan HealthyFor = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan UnhealthyFor = TimeSpan.FromSeconds(5);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!cache.TryGetValue(nameof(ClipStorageHealthCheck), out ClipSaver.Core.Storage.StorageHealth? health) || health is null)
        {
            health = await storage.CheckHealthAsync(cancellationToken);
            cache.Set(nameof(ClipStorageHealthCheck), health, health.Healthy ? HealthyFor : UnhealthyFor);
        }

        return health.Healthy ? HealthCheckResult.Healthy(health.Description) : HealthCheckResult.Unhealthy(health.Description);
    }
}

/// <summary>
/// Discord answers with a valid bot token, and the intents ClipSaver needs are on. Discord is not this instance's
/// to fix: when it is slow, down or refuses the token, the check is Degraded (readiness stays 200), so that a Discord
/// outage does not take every instance out of the load balancer. One attempt, no retries, at most
/// <c>Discord:HealthCheckTimeout</c>. A good answer is cached for five minutes and a bad one for thirty seconds, so
/// that health probes spend little of Discord's rate limit and a recovery shows soon.
/// </summary>
public sealed class DiscordHealthCheck(IServiceScopeFactory scopes, IMemoryCache cache, Microsoft.Extensions.Options.IOptionsMonitor<ClipSaver.Core.Discord.DiscordOptions> options)
    : IHealthCheck
{
    public static readonly TimeSpan HealthyFor = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan DegradedFor = TimeSpan.FromSeconds(30);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (cache.TryGetValue(nameof(DiscordHealthCheck), out HealthCheckResult cached))
        {
            return cached;
        }

        var result = await ProbeAsync(cancellationToken);
        cache.Set(nameof(DiscordHealthCheck), result, result.Status == HealthStatus.Healthy ? HealthyFor : DegradedFor);
        return result;
    }

    private async Task<HealthCheckResult> ProbeAsync(CancellationToken cancellationToken)
    {
        var timeout = options.CurrentValue.HealthCheckTimeout;
        using var scope = scopes.CreateScope();
        var discord = scope.ServiceProvider.GetRequiredService<ClipSaver.Core.Discord.DiscordRestClient>();
        // Also bounds any wait for a rate-limit slot before the one attempt.
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            var app = await discord.ProbeCurrentApplicationAsync(timeout, limit.Token);
            var missing = ClipSaver.Core.Discord.IntentCheck.Missing(app.Flags);
            return missing.Count == 0
                ? HealthCheckResult.Healthy($"Discord answers; application {app.Name} has the intents ClipSaver needs.")
                : HealthCheckResult.Degraded($"Discord answers, but intents are off: {string.Join(" ", missing)}");
        }
        catch (ClipSaver.Core.Discord.DiscordApiException e) when (e.Status is System.Net.HttpStatusCode.Unauthorized or System.Net.HttpStatusCode.Forbidden)
        {
            return HealthCheckResult.Degraded($"Discord refused the bot token ({(int)e.Status}).");
        }
        catch (ClipSaver.Core.Discord.DiscordApiException e)
        {
            return HealthCheckResult.Degraded($"Discord answered {(int)e.Status}: {e.DiscordMessage}.");
        }
        catch (Exception e) when (e is TimeoutException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return HealthCheckResult.Degraded($"Discord did not answer within {timeout.TotalSeconds:0.#} seconds.");
        }
        catch (HttpRequestException e)
        {
            return HealthCheckResult.Degraded($"Discord cannot be reached: {e.InnerException?.Message ?? e.Message}");
        }
    }
}

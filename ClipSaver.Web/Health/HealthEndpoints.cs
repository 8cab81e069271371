using System.Text.Json;
using ClipSaver.Core;
using Hangfire;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Diagnostics.HealthChecks;
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
            .AddCheck<DiscordHealthCheck>("discord", tags: [Ready]);
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

public sealed class ClipStorageHealthCheck(ClipSaver.Core.Storage.IClipStorage storage) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        await storage.IsWritableAsync(cancellationToken)
            ? HealthCheckResult.Healthy("Clip storage accepts writes.")
            : HealthCheckResult.Unhealthy("Clip storage does not accept writes.");
}

/// <summary>
/// Discord answers with a valid bot token, and the intents ClipSaver needs are on. The answer is cached for five
/// minutes so that health probes do not spend Discord's rate limit.
/// </summary>
public sealed class DiscordHealthCheck(IServiceScopeFactory scopes, Microsoft.Extensions.Caching.Memory.IMemoryCache cache) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        await cache.GetOrCreateAsync(nameof(DiscordHealthCheck), async entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(5);
            using var scope = scopes.CreateScope();
            var discord = scope.ServiceProvider.GetRequiredService<ClipSaver.Core.Discord.DiscordRestClient>();
            try
            {
                var app = await discord.GetCurrentApplicationAsync(cancellationToken);
                var missing = ClipSaver.Core.Discord.IntentCheck.Missing(app.Flags);
                return missing.Count == 0
                    ? HealthCheckResult.Healthy($"Discord answers; application {app.Name} has the intents ClipSaver needs.")
                    : HealthCheckResult.Degraded($"Discord answers, but intents are off: {string.Join(" ", missing)}");
            }
            catch (ClipSaver.Core.Discord.DiscordApiException e)
            {
                return HealthCheckResult.Unhealthy($"Discord refused the bot token ({(int)e.Status}).");
            }
            catch (Exception e) when (e is HttpRequestException or TimeoutException or TaskCanceledException)
            {
                return HealthCheckResult.Unhealthy("Discord cannot be reached.");
            }
        });
}

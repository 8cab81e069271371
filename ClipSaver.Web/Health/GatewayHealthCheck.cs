using ClipSaver.Core.Gateway;

namespace ClipSaver.Web.Health;

/// <summary>
/// The live bot: Healthy when every shard is connected, Degraded with the reasons otherwise (a stopped shard says
/// why, e.g. an intent not switched on). Never Unhealthy: without the Gateway, clips still arrive by polling.
/// </summary>
public sealed class GatewayHealthCheck(IServiceScopeFactory scopes) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var report = await scope.ServiceProvider.GetRequiredService<GatewayStatus>().ReadAsync(cancellationToken);
        if (!report.Enabled)
        {
            return HealthCheckResult.Healthy("The Gateway is switched off (ClipSaver:Gateway:Enabled); clips arrive by polling.");
        }

        return report.Problems.Count == 0
            ? HealthCheckResult.Healthy($"All {report.ShardCount} Gateway shard(s) are connected.")
            : HealthCheckResult.Degraded(string.Join(" ", report.Problems));
    }
}

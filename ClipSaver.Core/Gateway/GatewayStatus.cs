namespace ClipSaver.Core.Gateway;

/// <summary>The live bot as /admin and health show it: every shard from any instance, and what is wrong, in words.</summary>
public sealed record GatewayReport(
    bool Enabled,
    int? ShardCount,
    DiscordSessionStartLimit? SessionStartLimit,
    IReadOnlyList<GatewayShard> Shards,
    IReadOnlyList<string> Problems,
    string InstanceId);

/// <summary>Reads <c>gateway_shards</c> (written by whichever instance holds each shard) and this instance's <see cref="GatewayService"/>.</summary>
public sealed class GatewayStatus(ClipSaverDbContext db, GatewayService service, TimeProvider clock)
{
    public async Task<GatewayReport> ReadAsync(CancellationToken cancellationToken)
    {
        if (!service.Enabled)
        {
            return new GatewayReport(false, null, null, [], [], service.InstanceId);
        }

        var now = clock.GetUtcNow();
        var rows = await db.GatewayShards.AsNoTracking().OrderBy(s => s.ShardId).ToListAsync(cancellationToken);
        var count = service.ShardCount ?? rows.Select(r => (int?)r.ShardCount).Max();
        var problems = new List<string>();
        if (service.Problem is { } problem)
        {
            problems.Add(problem);
        }

        for (var id = 0; id < (count ?? 0); id++)
        {
            var row = rows.FirstOrDefault(r => r.ShardId == id && r.ShardCount == count);
            var fresh = row is not null && now - row.UpdatedAt < GatewayShardRows.FreshFor;
            if (row is { State: "stopped" } && fresh)
            {
                problems.Add($"Shard {id} stopped: {row.StoppedReason}");
            }
            else if (!fresh || row!.State != "connected")
            {
                problems.Add($"Shard {id} is not connected ({(fresh ? row!.State : "no instance holds it")}); clips arrive by polling until it is.");
            }
        }

        return new GatewayReport(true, count, service.SessionStartLimit, [.. rows.Where(r => count is null || r.ShardCount == count)], problems, service.InstanceId);
    }
}

using ClipSaver.Core.Jobs;
using Npgsql;

namespace ClipSaver.Core.Gateway;

/// <summary>
/// Who connects which shard, through PostgreSQL (docs/decisions/016-gateway.md). A shard's lease is the session
/// advisory lock <c>gateway:shard:N</c> (<see cref="AdvisoryLock"/>: held on its own connection, gone when the holder's
/// process or connection dies). An instance shows it takes part by keeping one connection open with the application
/// name <see cref="PresenceName"/>; counting those gives the fair share. Identifies wait for the bucket lock
/// <c>gateway:identify:B</c> (B = shard % max_concurrency), held 5 seconds after each identify, on every instance.
/// </summary>
public sealed class ShardLeases(string connectionString) : IAsyncDisposable
{
    public const string PresenceName = "clipsaver-gateway";

    /// <summary>Discord allows max_concurrency identifies per 5 seconds, one per bucket.</summary>
    public static readonly TimeSpan IdentifySpacing = TimeSpan.FromSeconds(5);

    private NpgsqlConnection? _presence;

    /// <summary>Opens this instance's presence connection (keepalives as for the locks, so a vanished machine is noticed).</summary>
    public async Task JoinAsync(CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString)
        {
            Pooling = false,
            ApplicationName = PresenceName,
            Options = "-c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=2",
        };
        _presence = new NpgsqlConnection(builder.ConnectionString);
        await _presence.OpenAsync(cancellationToken);
    }

    /// <summary>Instances taking part now (this one included), counted from their presence connections.</summary>
    public async Task<int> CountInstancesAsync(CancellationToken cancellationToken)
    {
        await using var cmd = new NpgsqlCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = @name AND datname = current_database()", _presence);
        cmd.Parameters.AddWithValue("name", PresenceName);
        return Math.Max(1, (int)(long)(await cmd.ExecuteScalarAsync(cancellationToken))!);
    }

    public Task<AdvisoryLock?> TryTakeAsync(int shardId, CancellationToken cancellationToken) =>
        AdvisoryLock.TryAcquireAsync(connectionString, $"gateway:shard:{shardId}", cancellationToken);

    /// <summary>
    /// Waits for the shard's identify bucket. The returned turn, when disposed (after the identify was sent), keeps the
    /// bucket for the rest of <see cref="IdentifySpacing"/> before giving it to the next shard, on any instance.
    /// </summary>
    public async Task<IAsyncDisposable> IdentifyTurnAsync(int shardId, int maxConcurrency, TimeProvider clock, CancellationToken cancellationToken)
    {
        var name = $"gateway:identify:{shardId % Math.Max(1, maxConcurrency)}";
        while (true)
        {
            if (await AdvisoryLock.TryAcquireAsync(connectionString, name, cancellationToken) is { } held)
            {
                return new Turn(held, clock.GetTimestamp(), clock);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), clock, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_presence is not null)
        {
            await _presence.DisposeAsync();
        }
    }

    private sealed class Turn(AdvisoryLock held, long takenAt, TimeProvider clock) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            var rest = IdentifySpacing - clock.GetElapsedTime(takenAt);
            _ = Task.Run(async () =>
            {
                if (rest > TimeSpan.Zero)
                {
                    await Task.Delay(rest, clock);
                }

                await held.DisposeAsync();
            });
            return ValueTask.CompletedTask;
        }
    }
}

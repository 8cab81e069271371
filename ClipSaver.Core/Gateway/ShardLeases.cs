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

    /// <summary>
    /// Added to the spacing. Discord counts from when it handles an identify; we record ours once Discord answered it
    /// (READY or op 9), which is never earlier. Recording when the identify was sent needed a margin as long as the
    /// longest delay in handling it, and a second of margin still lost once on a loaded machine.
    /// </summary>
    public static readonly TimeSpan IdentifyMargin = TimeSpan.FromMilliseconds(250);

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
    /// Waits for the shard's identify bucket, then until 5 seconds have passed since the bucket's last identify (kept
    /// in <c>gateway_shards.identified_at</c>, so the rule holds across instances and after a holder died). Disposing
    /// the turn, once the identify is sent, records its time and frees the bucket.
    /// </summary>
    public async Task<IAsyncDisposable> IdentifyTurnAsync(int shardId, int shardCount, int maxConcurrency, TimeProvider clock, CancellationToken cancellationToken)
    {
        var buckets = Math.Max(1, maxConcurrency);
        while (true)
        {
            if (await AdvisoryLock.TryAcquireAsync(connectionString, $"gateway:identify:{shardId % buckets}", cancellationToken) is { } held)
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(cancellationToken);
                await using var cmd = new NpgsqlCommand(
                    "SELECT coalesce(extract(epoch FROM max(identified_at) + @spacing - now()), 0)::float8 FROM gateway_shards WHERE shard_id % @buckets = @bucket", connection);
                cmd.Parameters.AddWithValue("spacing", IdentifySpacing + IdentifyMargin);
                cmd.Parameters.AddWithValue("buckets", buckets);
                cmd.Parameters.AddWithValue("bucket", shardId % buckets);
                var wait = (double)(await cmd.ExecuteScalarAsync(cancellationToken))!;
                if (wait > 0)
                {
                    await Task.Delay(TimeSpan.FromSeconds(wait), clock, cancellationToken);
                }

                return new Turn(connectionString, held, shardId, shardCount);
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

    /// <summary>Records the identify's time on the shard's row (created if the holder has not reported yet), then frees the bucket.</summary>
    private sealed class Turn(string connectionString, AdvisoryLock held, int shardId, int shardCount) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(CancellationToken.None);
                await using var cmd = new NpgsqlCommand(
                    """
                    INSERT INTO gateway_shards (shard_id, shard_count, state, guild_count, unavailable_guild_ids, reconnects, recent_reasons, updated_at, identified_at)
                    VALUES (@id, @count, 'connecting', 0, '{}', 0, '{}', now(), now())
                    ON CONFLICT (shard_id) DO UPDATE SET identified_at = now()
                    """, connection);
                cmd.Parameters.AddWithValue("id", shardId);
                cmd.Parameters.AddWithValue("count", shardCount);
                await cmd.ExecuteNonQueryAsync(CancellationToken.None);
            }
            finally
            {
                await held.DisposeAsync();
            }
        }
    }
}

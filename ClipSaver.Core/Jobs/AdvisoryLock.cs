namespace ClipSaver.Core.Jobs;

/// <summary>
/// A PostgreSQL session advisory lock held on its own connection for as long as a job runs. Unlike Hangfire's
/// distributed lock it does not expire while its holder lives, and it is released when the connection closes, so a
/// crashed holder never leaves it behind. Used so that a second copy of a recurring job sees the first and skips, and
/// as the lease of a purge or scan run: whoever holds <c>run:purge:ID</c> is the one live job of that run
/// (docs/decisions/015-crash-recovery.md).
/// </summary>
public sealed class AdvisoryLock : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;
    private readonly string _name;
    private bool _disposed;

    private AdvisoryLock(NpgsqlConnection connection, string name) => (_connection, _name) = (connection, name);

    /// <summary>Null when another session holds the lock.</summary>
    public static async Task<AdvisoryLock?> TryAcquireAsync(string connectionString, string name, CancellationToken cancellationToken)
    {
        // A connection of its own for as long as the lock is held, from a pool of lock connections only: a new
        // connection is a new server process, which cost a job 20-30 ms before it could start. A connection goes back
        // to that pool only after every advisory lock of its session was released (DisposeAsync), never with one.
        // Keepalives make the server notice a holder whose machine vanished (power cut, network split) within about
        // 20 seconds; a killed process closes its sockets and the server releases its locks at once.
        var builder = new NpgsqlConnectionStringBuilder(connectionString)
        {
            Pooling = true,
            Options = "-c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=2",
            ApplicationName = "clipsaver-lock",
        };
        for (var attempt = 1; ; attempt++)
        {
            var connection = new NpgsqlConnection(builder.ConnectionString);
            try
            {
                await connection.OpenAsync(cancellationToken);
                await using var cmd = new NpgsqlCommand("SELECT pg_try_advisory_lock(hashtextextended(@name, 0))", connection);
                cmd.Parameters.AddWithValue("name", Key(name));
                if ((bool)(await cmd.ExecuteScalarAsync(cancellationToken))!)
                {
                    return new AdvisoryLock(connection, name);
                }

                await connection.DisposeAsync();
                return null;
            }
            catch (NpgsqlException) when (attempt == 1 && !cancellationToken.IsCancellationRequested)
            {
                // A pooled connection that died while idle (the database restarted): the pool's other idle ones are
                // as dead, so they go, and the lock is asked for once more on a new connection.
                NpgsqlConnection.ClearPool(connection);
                await connection.DisposeAsync();
            }
            catch
            {
                await connection.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> while holding the lock <paramref name="name"/>, so that a second copy of a recurring
    /// job sees the first; when another session holds it, runs nothing and returns what <paramref name="skipped"/> gives.
    /// </summary>
    public static async Task<T> RunAloneAsync<T>(string connectionString, string name, Func<Task<T>> work, Func<T> skipped, CancellationToken cancellationToken)
    {
        await using var held = await TryAcquireAsync(connectionString, name, cancellationToken);
        return held is null ? skipped() : await work();
    }

    /// <summary>
    /// Which of <paramref name="names"/> some session holds now, read from <c>pg_locks</c> in one query without taking
    /// any. A bigint advisory key shows there as two 32-bit halves, <c>classid</c> (high) and <c>objid</c> (low), with
    /// <c>objsubid</c> 1.
    /// </summary>
    public static async Task<HashSet<string>> HeldAsync(NpgsqlConnection connection, IReadOnlyCollection<string> names, CancellationToken cancellationToken)
    {
        var held = new HashSet<string>(StringComparer.Ordinal);
        if (names.Count == 0)
        {
            return held;
        }

        await using var cmd = new NpgsqlCommand(
            """
            SELECT n.name FROM unnest(@names) AS n(name)
            WHERE hashtextextended('clipsaver:' || n.name, 0) IN (
                SELECT (classid::bigint << 32) | objid::bigint FROM pg_locks
                WHERE locktype = 'advisory' AND objsubid = 1 AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))
            """, connection);
        cmd.Parameters.AddWithValue("names", names.ToArray());
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            held.Add(reader.GetString(0));
        }

        return held;
    }

    /// <summary>Throws when the lock's connection is gone (the database restarted): the holder must stop, for another may now hold it.</summary>
    public async Task EnsureHeldAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var cmd = new NpgsqlCommand("SELECT 1", _connection);
            await cmd.ExecuteScalarAsync(cancellationToken);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            throw new LockLostException($"The lock '{_name}' was lost with its database connection.", e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            // Every advisory lock of the session, before the connection goes back to its pool (this one is the only
            // lock taken on it; "all" leaves nothing to chance).
            await using var cmd = new NpgsqlCommand("SELECT pg_advisory_unlock_all()", _connection);
            await cmd.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            // The connection is gone, and the lock with it. Whatever state it is in, it must not be used again: the
            // pool closes it instead of keeping it.
            NpgsqlConnection.ClearPool(_connection);
        }

        await _connection.DisposeAsync();
    }

    private static string Key(string name) => "clipsaver:" + name;
}

/// <summary>A lock's connection broke while its holder still worked.</summary>
public sealed class LockLostException(string message, Exception inner) : Exception(message, inner);

using Npgsql;

namespace ClipSaver.Core.Jobs;

/// <summary>
/// A PostgreSQL session advisory lock held on its own connection for as long as a job runs. Unlike Hangfire's
/// distributed lock it does not expire while its holder lives, and it is released when the connection closes, so a
/// crashed holder never leaves it behind. Used so that a second copy of a recurring job sees the first and skips.
/// </summary>
public sealed class AdvisoryLock : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;

    private AdvisoryLock(NpgsqlConnection connection) => _connection = connection;

    /// <summary>Null when another session holds the lock.</summary>
    public static async Task<AdvisoryLock?> TryAcquireAsync(string connectionString, string name, CancellationToken cancellationToken)
    {
        // A dedicated, unpooled connection: the lock must not go back to a pool with the connection.
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var cmd = new NpgsqlCommand("SELECT pg_try_advisory_lock(hashtextextended(@name, 0))", connection);
        cmd.Parameters.AddWithValue("name", "clipsaver:" + name);
        if ((bool)(await cmd.ExecuteScalarAsync(cancellationToken))!)
        {
            return new AdvisoryLock(connection);
        }

        await connection.DisposeAsync();
        return null;
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}

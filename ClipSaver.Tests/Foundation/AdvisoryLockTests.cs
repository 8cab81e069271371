using ClipSaver.Core.Jobs;

namespace ClipSaver.Tests.Foundation;

/// <summary>
/// Run leases on pooled lock connections (decision 015): a connection goes back to its pool without any lock, and a
/// pooled connection that died while idle (a database restart) does not keep a job from taking its lease.
/// </summary>
public sealed class AdvisoryLockTests
{
    private static async Task<long> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private const string AdvisoryLocksHeld = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())";

    private const string LockSessions = "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'clipsaver-lock' AND datname = current_database()";

    [Fact]
    public async Task A_released_lock_leaves_its_pooled_connection_holding_nothing_and_the_next_taker_gets_it_at_once()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using (var first = await AdvisoryLock.TryAcquireAsync(db.ConnectionString, "run:test:1", CancellationToken.None))
        {
            Assert.NotNull(first);
            Assert.Null(await AdvisoryLock.TryAcquireAsync(db.ConnectionString, "run:test:1", CancellationToken.None));
            Assert.Equal(1, await ScalarAsync(db.ConnectionString, AdvisoryLocksHeld));
        }

        // The session lives on in the pool, without the lock.
        Assert.True(await ScalarAsync(db.ConnectionString, LockSessions) >= 1);
        Assert.Equal(0, await ScalarAsync(db.ConnectionString, AdvisoryLocksHeld));
        await using var second = await AdvisoryLock.TryAcquireAsync(db.ConnectionString, "run:test:1", CancellationToken.None);
        Assert.NotNull(second);
    }

    [Fact]
    public async Task Pooled_lock_connections_that_died_while_idle_do_not_keep_the_next_lease_from_being_taken()
    {
        await using var db = await TestDatabase.CreateAsync();
        // Three idle lock connections in the pool.
        var held = new List<AdvisoryLock>();
        for (var i = 0; i < 3; i++)
        {
            held.Add((await AdvisoryLock.TryAcquireAsync(db.ConnectionString, $"run:test:{i}", CancellationToken.None))!);
        }

        foreach (var lease in held)
        {
            await lease.DisposeAsync();
        }

        // The server ends them, as a database restart would.
        Assert.Equal(3, await ScalarAsync(db.ConnectionString, $"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'clipsaver-lock' AND datname = current_database()"));
        // Termination is asynchronous: wait until the sessions are gone, so the next taker meets dead connections.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await ScalarAsync(db.ConnectionString, LockSessions) > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "The terminated lock sessions are still there after 10 s.");
            await Task.Delay(50);
        }

        await using var taken = await AdvisoryLock.TryAcquireAsync(db.ConnectionString, "run:test:9", CancellationToken.None);
        Assert.NotNull(taken);
        await taken.EnsureHeldAsync(CancellationToken.None);
        Assert.Equal(1, await ScalarAsync(db.ConnectionString, AdvisoryLocksHeld));
    }
}

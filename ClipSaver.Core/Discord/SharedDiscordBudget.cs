namespace ClipSaver.Core.Discord;

/// <summary>This instance's share of a limit that belongs to the bot token, not to one process.</summary>
public interface IDiscordRateBudget
{
    /// <summary>How many of <paramref name="perSecond"/> this instance may use now; 0 while it may send nothing yet.</summary>
    int ShareOf(int perSecond);

    /// <summary>Live instances that share the token (0 while this one is not yet counted).</summary>
    int Instances { get; }
}

/// <summary>
/// Splits the bot token's global limit evenly among the live instances of one database (decision 022). Each instance
/// that talks to Discord holds a PostgreSQL advisory lock on a connection of its own (key pair <see cref="ClassId"/>,
/// a random number), and counts the holders in <c>pg_locks</c> every <see cref="RefreshInterval"/>: the count is the
/// live instances, since a killed process loses its lock with its socket. Its share is the limit divided by that
/// count. An instance that finds others already there sends nothing for <see cref="JoinDelay"/>, by which time each
/// of them has counted it and lowered its own share (and the slots they took under the old share have run out), so
/// the instances together never go past the limit. Per-route buckets, learned from the answers' headers, are the
/// token's too: with N instances each sends only while a bucket has at least N requests left. Without its lock (the database restarted) an instance sends
/// nothing until it holds one again.
/// </summary>
public sealed partial class SharedDiscordBudget(ClipSaverConnection connection, TimeProvider clock, ILogger<SharedDiscordBudget> logger)
    : IDiscordRateBudget, IAsyncDisposable
{
    /// <summary>The first half of every instance's lock key ('DSCB'): the instances of this database are the holders of it.</summary>
    public const int ClassId = 0x44534342;

    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(1);

    /// <summary>Two refreshes of the others, plus the second a global slot is held after its answer, plus a margin.</summary>
    public static readonly TimeSpan JoinDelay = (2 * RefreshInterval) + TimeSpan.FromSeconds(1.5);

    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;
    private int _started;
    private int _disposed;
    private volatile int _instances;
    private long _sendFromTicks = long.MaxValue;

    /// <summary>Live instances as last counted (0 before this one holds its lock).</summary>
    public int Instances => _instances;

    public int ShareOf(int perSecond)
    {
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            // Started by the first request, so that commands and processes that never call Discord are not counted.
            _loop = Task.Run(() => RunAsync(_stop.Token));
        }

        var instances = _instances;
        if (instances == 0 || clock.GetUtcNow().UtcTicks < Interlocked.Read(ref _sendFromTicks))
        {
            return 0;
        }

        return Math.Max(1, perSecond / instances);
    }

    private async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await using var lease = await OpenAsync(stop);
                var key = await TakeKeyAsync(lease, stop);
                var first = await CountAsync(lease, stop);
                var joined = clock.GetUtcNow();
                Interlocked.Exchange(ref _sendFromTicks, (first > 1 ? joined + JoinDelay : joined).UtcTicks);
                _instances = first;
                LogJoined(logger, key, first);
                while (!stop.IsCancellationRequested)
                {
                    await Task.Delay(RefreshInterval, clock, stop);
                    var counted = await CountAsync(lease, stop);
                    if (counted != _instances)
                    {
                        LogCounted(logger, counted);
                    }

                    _instances = counted;
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                // No lock, no share: the others may already have dropped this instance from their count.
                _instances = 0;
                LogLost(logger, e.Message);
            }

            try
            {
                await Task.Delay(RefreshInterval, clock, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        _instances = 0;
    }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken stop)
    {
        var builder = new NpgsqlConnectionStringBuilder(connection.ConnectionString)
        {
            Pooling = false,
            Options = "-c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=2",
            ApplicationName = "clipsaver-discord-budget",
        };
        var lease = new NpgsqlConnection(builder.ConnectionString);
        await lease.OpenAsync(stop);
        return lease;
    }

    private static async Task<int> TakeKeyAsync(NpgsqlConnection lease, CancellationToken stop)
    {
        while (true)
        {
            var key = Random.Shared.Next();
            await using var cmd = new NpgsqlCommand("SELECT pg_try_advisory_lock(@class, @key)", lease);
            cmd.Parameters.AddWithValue("class", ClassId);
            cmd.Parameters.AddWithValue("key", key);
            if ((bool)(await cmd.ExecuteScalarAsync(stop))!)
            {
                return key;
            }
        }
    }

    /// <summary>The holders of this database's budget locks (a two-part advisory key shows with <c>objsubid</c> 2).</summary>
    private static async Task<int> CountAsync(NpgsqlConnection lease, CancellationToken stop)
    {
        await using var cmd = new NpgsqlCommand(
            """
            SELECT count(*) FROM pg_locks
            WHERE locktype = 'advisory' AND objsubid = 2 AND classid = @class::oid AND granted
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """, lease);
        cmd.Parameters.AddWithValue("class", (long)ClassId);
        return Math.Max(1, (int)(long)(await cmd.ExecuteScalarAsync(stop))!);
    }

    public async ValueTask DisposeAsync()
    {
        // The container disposes it once as itself and once as the interface's factory result.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stop.CancelAsync();
        if (_loop is not null)
        {
            await _loop;
        }

        _stop.Dispose();
    }

    [LoggerMessage(LogLevel.Information, "Discord budget: this instance holds key {Key}; {Instances} instance(s) share the bot token's limits.")]
    private static partial void LogJoined(ILogger logger, int key, int instances);

    [LoggerMessage(LogLevel.Information, "Discord budget: {Instances} instance(s) now share the bot token's limits.")]
    private static partial void LogCounted(ILogger logger, int instances);

    [LoggerMessage(LogLevel.Warning, "Discord budget: lost the database connection that counts this instance; sending nothing to Discord until it is back: {Reason}")]
    private static partial void LogLost(ILogger logger, string reason);
}

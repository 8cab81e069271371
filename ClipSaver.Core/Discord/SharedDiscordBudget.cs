namespace ClipSaver.Core.Discord;

/// <summary>This instance's share of a limit that belongs to the bot token, not to one process.</summary>
public interface IDiscordRateBudget
{
    /// <summary>How many of <paramref name="perSecond"/> this instance may use now; 0 while it may send nothing yet.</summary>
    int ShareOf(int perSecond);

    /// <summary>Live instances that share the token (0 while this one is not yet counted).</summary>
    int Instances { get; }

    /// <summary>
    /// A request asked for a slot: <paramref name="wanted"/> slots would be held with it (those held now plus one),
    /// and <paramref name="refused"/> says whether it had to wait for this instance's share.
    /// </summary>
    void Note(int wanted, bool refused);

    /// <summary>How this instance counts the slots it holds now (under way, or answered less than a second ago).</summary>
    void Track(Func<int> heldSlots);
}

/// <summary>
/// Splits the bot token's global limit among the live instances of one database by what each needs (decisions 022
/// and 032). Each instance that talks to Discord holds a PostgreSQL advisory lock on a connection of its own (key pair
/// <see cref="ClassId"/>, a random number): a killed process loses it with its socket. Every
/// <see cref="RefreshInterval"/> it writes what it would like (<c>want</c>: everything while its requests wait for
/// its share, else what it used plus some room) into <c>discord_budget_shares</c> and reads every live row, under a
/// transaction lock so that no two instances decide at once. From the same rows every instance works out the same
/// split (<see cref="Split"/>): each live instance one request a second, the rest shared out so that nobody gets more
/// than it wants and the hungry ones share what is left evenly.
/// <para>
/// Its row's <c>cap</c> is what it may send at most, and the caps of all rows never add up to more than the limit:
/// an instance raises its cap only into what the others' caps leave free, writing it before it sends more; it lowers
/// its own sending at once but its cap only once the slots it holds fit under the new figure (a slot is held for a
/// second after its answer). A row whose lock is gone keeps its cap for <see cref="GoneGrace"/> (requests the dead
/// instance sent may still count at Discord) and is then dropped. Per-route buckets, learned from the answers'
/// headers, are the token's too: with N instances each sends only while a bucket has at least N requests left.
/// Without its lock (the database restarted) an instance sends nothing until it holds one again.
/// </para>
/// </summary>
public sealed partial class SharedDiscordBudget(ClipSaverConnection connection, TimeProvider clock, ILogger<SharedDiscordBudget> logger)
    : IDiscordRateBudget, IAsyncDisposable
{
    /// <summary>The first half of every instance's lock key ('DSCB'): the instances of this database are the holders of it.</summary>
    public const int ClassId = 0x44534342;

    /// <summary>The transaction lock ('DSCT', 0) under which one instance at a time reads the rows and changes its own.</summary>
    private const int DecideClassId = 0x44534354;

    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(1);

    /// <summary>How long a dead instance's cap still counts: its last slots' second, plus a margin.</summary>
    public static readonly TimeSpan GoneGrace = TimeSpan.FromSeconds(2);

    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;
    private int _started;
    private int _disposed;
    private volatile int _instances;
    private volatile int _cap;
    private volatile int _limit;
    private int _peakWanted;
    private int _refused;
    private Func<int> _held = () => 0;

    /// <summary>Live instances as last counted (0 before this one holds its lock).</summary>
    public int Instances => _instances;

    public int ShareOf(int perSecond)
    {
        _limit = perSecond;
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            // Started by the first request, so that commands and processes that never call Discord are not counted.
            _refused = 1;
            _loop = Task.Run(() => RunAsync(_stop.Token));
        }

        return _instances == 0 ? 0 : _cap;
    }

    public void Note(int wanted, bool refused)
    {
        int peak;
        while (wanted > (peak = Volatile.Read(ref _peakWanted)) && Interlocked.CompareExchange(ref _peakWanted, wanted, peak) != peak)
        {
        }

        if (refused)
        {
            Volatile.Write(ref _refused, 1);
        }
    }

    public void Track(Func<int> heldSlots) => _held = heldSlots;

    /// <summary>
    /// What each live instance may have (in <paramref name="wants"/>' order): one each while the limit allows, then
    /// the rest (less <paramref name="reserved"/>, the caps of instances just gone) filled up from the smallest want,
    /// so that nobody gets more than it wants and those that want more than an even part share the remainder evenly
    /// (one more each for the first of them, in the order given, while the division leaves any).
    /// </summary>
    public static int[] Split(int limit, int reserved, IReadOnlyList<int> wants)
    {
        var shares = new int[wants.Count];
        if (wants.Count == 0)
        {
            return shares;
        }

        var floor = limit - reserved >= wants.Count ? 1 : 0;
        var rest = Math.Max(0, limit - reserved - (floor * wants.Count));
        var order = Enumerable.Range(0, wants.Count).OrderBy(i => wants[i]).ThenBy(i => i).ToList();
        var left = order.Count;
        foreach (var i in order)
        {
            var even = rest / left;
            var extra = Math.Max(0, wants[i] - floor);
            if (extra > even)
            {
                break;
            }

            shares[i] = floor + extra;
            rest -= extra;
            left--;
        }

        // Those still to serve want more than an even part of what is left: they share it.
        var hungry = order.Skip(order.Count - left).Order().ToList();
        for (var n = 0; n < hungry.Count; n++)
        {
            shares[hungry[n]] = floor + (rest / left) + (n < rest % left ? 1 : 0);
        }

        return shares;
    }

    private async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await using var lease = await OpenAsync(stop);
                var key = await TakeKeyAsync(lease, stop);
                var published = 0;
                var first = true;
                while (!stop.IsCancellationRequested)
                {
                    published = await DecideAsync(lease, key, published, stop);
                    if (first)
                    {
                        LogJoined(logger, key, _instances);
                        first = false;
                    }

                    await Task.Delay(RefreshInterval, clock, stop);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                // No lock, no share: the others may already have dropped this instance's row.
                _cap = 0;
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

        _cap = 0;
        _instances = 0;
    }

    /// <summary>One turn: say what this instance wants, read everyone's row, change its own cap; returns the cap now written.</summary>
    private async Task<int> DecideAsync(NpgsqlConnection lease, int key, int published, CancellationToken stop)
    {
        var limit = _limit;
        var peak = Interlocked.Exchange(ref _peakWanted, 0);
        var want = Interlocked.Exchange(ref _refused, 0) == 1 ? limit : Math.Min(limit, peak == 0 ? 0 : peak + Math.Max(2, peak / 4));

        await using var tx = await lease.BeginTransactionAsync(stop);
        await using (var mine = new NpgsqlCommand(
            """
            SELECT pg_advisory_xact_lock(@decide, 0);
            UPDATE discord_budget_shares s SET gone_at = now()
            WHERE gone_at IS NULL AND NOT EXISTS (
                SELECT 1 FROM pg_locks l
                WHERE l.locktype = 'advisory' AND l.objsubid = 2 AND l.classid = @class::oid AND l.granted
                  AND l.objid = s.instance_key::bigint::oid
                  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()));
            DELETE FROM discord_budget_shares WHERE gone_at < now() - @grace;
            INSERT INTO discord_budget_shares (instance_key, cap, want, updated_at) VALUES (@key, 0, @want, now())
            ON CONFLICT (instance_key) DO UPDATE SET want = excluded.want, updated_at = now(), gone_at = NULL;
            """, lease, tx))
        {
            mine.CommandTimeout = 5;
            mine.Parameters.AddWithValue("decide", DecideClassId);
            mine.Parameters.AddWithValue("class", (long)ClassId);
            mine.Parameters.AddWithValue("grace", GoneGrace);
            mine.Parameters.AddWithValue("key", key);
            mine.Parameters.AddWithValue("want", want);
            await mine.ExecuteNonQueryAsync(stop);
        }

        var rows = new List<(int Key, int Cap, int Want, bool Live)>();
        await using (var all = new NpgsqlCommand("SELECT instance_key, cap, want, gone_at IS NULL FROM discord_budget_shares ORDER BY instance_key", lease, tx))
        {
            all.CommandTimeout = 5;
            await using var reader = await all.ExecuteReaderAsync(stop);
            while (await reader.ReadAsync(stop))
            {
                rows.Add((reader.GetInt32(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetBoolean(3)));
            }
        }

        // A holder of the lock without a row is an instance of a version before this split (a rolling upgrade): it
        // takes its even share of the holders, which is kept for it.
        int holders;
        await using (var count = new NpgsqlCommand(
            """
            SELECT count(*)::int FROM pg_locks
            WHERE locktype = 'advisory' AND objsubid = 2 AND classid = @class::oid AND granted
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """, lease, tx))
        {
            count.CommandTimeout = 5;
            count.Parameters.AddWithValue("class", (long)ClassId);
            holders = (int)(await count.ExecuteScalarAsync(stop))!;
        }

        var live = rows.Where(r => r.Live).ToList();
        var older = Math.Max(0, holders - live.Count);
        var kept = older * (int)Math.Ceiling(limit / (double)Math.Max(1, holders));
        var reserved = rows.Where(r => !r.Live).Sum(r => r.Cap) + kept;
        var target = Split(limit, reserved, live.Select(r => r.Want).ToList())[live.FindIndex(r => r.Key == key)];
        var free = limit - rows.Where(r => r.Key != key).Sum(r => r.Cap) - kept;

        int cap;
        if (target < _cap)
        {
            // Less at once, before the held slots are looked at: from here on no more are taken than the new cap.
            cap = target;
            _cap = cap;
        }
        else
        {
            // More only from what the others' caps leave free, written before it is used.
            cap = Math.Max(_cap, Math.Min(target, free));
        }

        // A lower cap is written once the slots held under the old one fit under it.
        var write = cap > published || _held() <= cap ? cap : published;
        if (write != published)
        {
            await using var update = new NpgsqlCommand("UPDATE discord_budget_shares SET cap = @cap WHERE instance_key = @key", lease, tx);
            update.CommandTimeout = 5;
            update.Parameters.AddWithValue("cap", write);
            update.Parameters.AddWithValue("key", key);
            await update.ExecuteNonQueryAsync(stop);
        }

        await tx.CommitAsync(stop);
        _instances = Math.Max(1, live.Count + older);
        _cap = cap;
        return write;
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

    [LoggerMessage(LogLevel.Warning, "Discord budget: lost the database connection that counts this instance; sending nothing to Discord until it is back: {Reason}")]
    private static partial void LogLost(ILogger logger, string reason);
}

using Microsoft.Extensions.Hosting;

namespace ClipSaver.Core.Gateway;

/// <summary>
/// This instance's part of the live bot: asks Discord for the Gateway and the shard count, joins the shard leases
/// (<see cref="ShardLeases"/>), and every <see cref="GatewayOptions.LeaseInterval"/> checks the leases it holds,
/// gives back shards above its fair share and takes free ones up to it. Each held shard runs a
/// <see cref="ShardConnection"/> and a <see cref="ShardEventLoop"/>; its state is written to <c>gateway_shards</c>.
/// </summary>
public sealed partial class GatewayService(
    IServiceScopeFactory scopes,
    ClipSaverConnection connection,
    IOptionsMonitor<GatewayOptions> options,
    IOptionsMonitor<DiscordOptions> discord,
    TimeProvider clock,
    ILoggerFactory loggers) : BackgroundService
{
    private readonly ILogger _logger = loggers.CreateLogger<GatewayService>();
    private readonly Dictionary<int, HeldShard> _held = [];
    private readonly Lock _gate = new();

    private sealed record HeldShard(AdvisoryLock Lease, ShardState State, CancellationTokenSource Stop, Task Run);

    /// <summary>Names this process in <c>gateway_shards</c> and on /admin.</summary>
    public string InstanceId { get; } = string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..6]}");

    public bool Enabled => options.CurrentValue.Enabled;

    /// <summary>Why the Gateway is not running here, in words; null while all is well.</summary>
    public string? Problem { get; private set; }

    public int? ShardCount { get; private set; }

    /// <summary>The session start limit as Discord last reported it (before each identify).</summary>
    public DiscordSessionStartLimit? SessionStartLimit { get; private set; }

    /// <summary>The shards this instance holds now.</summary>
    public IReadOnlyList<ShardState> LocalShards
    {
        get
        {
            lock (_gate)
            {
                return [.. _held.Values.Select(h => h.State).OrderBy(s => s.ShardId)];
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.CurrentValue.Enabled)
        {
            return;
        }

        var bot = await GetGatewayBotAsync(stoppingToken);
        if (bot is null)
        {
            return;
        }

        var count = options.CurrentValue.ShardCount ?? Math.Max(1, bot.Shards);
        ShardCount = count;
        await using var leases = new ShardLeases(connection.ConnectionString);
        try
        {
            await leases.JoinAsync(stoppingToken);
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await BalanceAsync(leases, new Uri(bot.Url), count, bot.SessionStartLimit.MaxConcurrency, stoppingToken);
                    await ReportAsync(stoppingToken);
                }
                catch (Exception e) when (e is Npgsql.NpgsqlException or DbUpdateException or TimeoutException)
                {
                    LogLeaseCheckFailed(_logger, e);
                }

                await Task.Delay(options.CurrentValue.LeaseInterval, clock, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
        finally
        {
            foreach (var shard in _held.Keys.ToList())
            {
                await ReleaseAsync(shard, "the instance is stopping");
            }
        }
    }

    /// <summary>Asks Discord for the Gateway; retries with backoff, except when the token is refused.</summary>
    private async Task<DiscordGatewayBot?> GetGatewayBotAsync(CancellationToken stoppingToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var bot = await scope.ServiceProvider.GetRequiredService<DiscordRestClient>().GetGatewayBotAsync(stoppingToken);
                SessionStartLimit = bot.SessionStartLimit;
                Problem = null;
                return bot;
            }
            catch (DiscordApiException e) when (e.Status == System.Net.HttpStatusCode.Unauthorized)
            {
                Problem = GatewayCloseCodes.Fatal(4004);
                return null;
            }
            catch (Exception e) when (e is DiscordApiException or HttpRequestException or TimeoutException)
            {
                Problem = $"Discord's Gateway address could not be read: {e.Message}";
                var wait = TimeSpan.FromSeconds(Math.Min(60, Math.Pow(2, Math.Min(attempt, 6))));
                await Task.Delay(wait, clock, stoppingToken);
            }
        }
    }

    private async Task BalanceAsync(ShardLeases leases, Uri url, int count, int maxConcurrency, CancellationToken stoppingToken)
    {
        foreach (var (id, held) in _held.ToList())
        {
            try
            {
                await held.Lease.EnsureHeldAsync(stoppingToken);
            }
            catch (LockLostException)
            {
                await ReleaseAsync(id, "its lease was lost with the database connection");
            }
        }

        var instances = await leases.CountInstancesAsync(stoppingToken);
        var share = (count + instances - 1) / instances;
        while (_held.Count > share)
        {
            await ReleaseAsync(_held.Keys.Max(), $"shards are spread over {instances} instances");
        }

        for (var id = 0; id < count && _held.Count < share; id++)
        {
            if (_held.ContainsKey(id) || await leases.TryTakeAsync(id, stoppingToken) is not { } lease)
            {
                continue;
            }

            var state = new ShardState(id, count);
            var stop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            var settings = new ShardSettings(url, discord.CurrentValue.BotToken ?? "", id, count, options.CurrentValue.MinBackoff, options.CurrentValue.MaxBackoff,
                (shard, ct) => IdentifyTurnAsync(leases, shard, maxConcurrency, state, ct));
            var events = new ShardEventLoop(scopes, state, loggers.CreateLogger<ShardEventLoop>());
            var shardConnection = new ShardConnection(settings, state, events.Enqueue, clock, loggers.CreateLogger<ShardConnection>());
            var run = Task.Run(async () =>
            {
                var processing = events.RunAsync(stop.Token);
                await shardConnection.RunAsync(stop.Token);
                await events.CompleteAsync(processing);
                if (state.State == "stopped" && state.StoppedReason == GatewayCloseCodes.Fatal(4014))
                {
                    await NameDisallowedIntentsAsync(state);
                }
            }, CancellationToken.None);
            lock (_gate)
            {
                _held[id] = new HeldShard(lease, state, stop, run);
            }

            LogTaken(_logger, id, count, InstanceId);
        }
    }

    /// <summary>The session start limit first (a bot past 1,000 identifies a day has its token reset), then the identify bucket.</summary>
    private async Task<IAsyncDisposable> IdentifyTurnAsync(ShardLeases leases, int shardId, int maxConcurrency, ShardState state, CancellationToken cancellationToken)
    {
        var turn = await leases.IdentifyTurnAsync(shardId, state.ShardCount, maxConcurrency, clock, cancellationToken);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var limit = (await scope.ServiceProvider.GetRequiredService<DiscordRestClient>().GetGatewayBotAsync(cancellationToken)).SessionStartLimit;
            // Shown as it will be after this identify.
            SessionStartLimit = limit with { Remaining = Math.Max(0, limit.Remaining - 1) };
            if (limit.Remaining <= 0)
            {
                var wait = TimeSpan.FromMilliseconds(limit.ResetAfter);
                state.Reconnecting($"no session starts left today; waiting {wait:hh\\:mm\\:ss} for the limit to reset", clock.GetUtcNow(), sessionEnded: true);
                await Task.Delay(wait, clock, cancellationToken);
            }
        }
        catch (Exception e) when (e is DiscordApiException or HttpRequestException or TimeoutException)
        {
            // The limit could not be read: identify anyway (the limit is large; a failure here is rare and brief).
            LogLimitUnknown(_logger, e);
        }

        return turn;
    }

    /// <summary>Which privileged intent is off: the close code does not say, the application's flags do.</summary>
    private async Task NameDisallowedIntentsAsync(ShardState state)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var app = await scope.ServiceProvider.GetRequiredService<DiscordRestClient>().GetCurrentApplicationAsync(CancellationToken.None);
            state.Stopped(GatewayCloseCodes.DisallowedIntents(app.Flags));
        }
        catch (Exception e) when (e is DiscordApiException or HttpRequestException or TimeoutException)
        {
            // The general sentence stands.
        }
    }

    private async Task ReleaseAsync(int shardId, string why)
    {
        HeldShard held;
        lock (_gate)
        {
            if (!_held.Remove(shardId, out held!))
            {
                return;
            }
        }

        // The connection closes (and Discord answers) before the lease goes, so that no other instance connects the shard while this one still is.
        await held.Stop.CancelAsync();
        await held.Run.WaitAsync(TimeSpan.FromSeconds(15), CancellationToken.None).ContinueWith(_ => { }, TaskScheduler.Default);
        held.Stop.Dispose();
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ClipSaverDbContext>();
            await db.GatewayShards.Where(s => s.ShardId == shardId && s.InstanceId == InstanceId)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.State, "released").SetProperty(x => x.UpdatedAt, clock.GetUtcNow()), CancellationToken.None);
        }

        await held.Lease.DisposeAsync();
        LogReleased(_logger, shardId, why);
    }

    /// <summary>Writes the held shards' state for /admin, health and the incremental scans on every instance.</summary>
    private async Task ReportAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ClipSaverDbContext>();
        var now = clock.GetUtcNow();
        await GatewayShardRows.ReportAsync(db, [.. LocalShards.Select(state => state.ToRow(InstanceId, now))], cancellationToken);
    }

    [LoggerMessage(LogLevel.Information, "Gateway shard {ShardId} of {ShardCount} taken by {InstanceId}.")]
    private static partial void LogTaken(ILogger logger, int shardId, int shardCount, string instanceId);

    [LoggerMessage(LogLevel.Information, "Gateway shard {ShardId} given back: {Why}.")]
    private static partial void LogReleased(ILogger logger, int shardId, string why);

    [LoggerMessage(LogLevel.Warning, "The Gateway lease check failed; it runs again shortly.")]
    private static partial void LogLeaseCheckFailed(ILogger logger, Exception e);

    [LoggerMessage(LogLevel.Warning, "The session start limit could not be read before an identify.")]
    private static partial void LogLimitUnknown(ILogger logger, Exception e);
}

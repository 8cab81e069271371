namespace ClipSaver.Core.Gateway;

/// <summary>
/// A shard's events, handled one at a time in the order received (a channel's messages stay in order, so its cursor
/// only moves forward over messages already recorded), off the receive loop, which only enqueues. A handler that
/// fails is logged; for a message the channel is scanned and the cursor stops moving until a new scan covered it,
/// so the failed event is read over HTTP instead.
/// </summary>
public sealed partial class ShardEventLoop(IServiceScopeFactory scopes, ShardState state, ILogger<ShardEventLoop> logger)
{
    private readonly System.Threading.Channels.Channel<GatewayDispatch> _queue = System.Threading.Channels.Channel.CreateUnbounded<GatewayDispatch>(
        new System.Threading.Channels.UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

    public ValueTask Enqueue(GatewayDispatch dispatch) => _queue.Writer.WriteAsync(dispatch);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var dispatch in _queue.Reader.ReadAllAsync(cancellationToken))
            {
                await HandleAsync(dispatch, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Handed over or shutting down: whatever is left is read by the scans of the next session.
        }
    }

    /// <summary>After the connection stopped: the events already received are handled (for a few seconds at most).</summary>
    public async Task CompleteAsync(Task processing)
    {
        _queue.Writer.TryComplete();
        await Task.WhenAny(processing, Task.Delay(TimeSpan.FromSeconds(10), CancellationToken.None));
    }

    private async Task HandleAsync(GatewayDispatch dispatch, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        try
        {
            await scope.ServiceProvider.GetRequiredService<GatewayEvents>().HandleAsync(dispatch, state, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogFailed(logger, e, dispatch.Name, dispatch.Sequence, state.ShardId);
            if (dispatch.Name.StartsWith("MESSAGE_", StringComparison.Ordinal) && dispatch.Data.TryGetProperty("channel_id", out var channel)
                && dispatch.Data.TryGetProperty("guild_id", out var guild))
            {
                state.ContinuityBroken(DateTimeOffset.UtcNow);
                await using var retry = scopes.CreateAsyncScope();
                await retry.ServiceProvider.GetRequiredService<Scans>().StartAsync(
                    long.Parse(guild.GetString()!, System.Globalization.CultureInfo.InvariantCulture),
                    long.Parse(channel.GetString()!, System.Globalization.CultureInfo.InvariantCulture), ScanKind.Incremental, CancellationToken.None);
            }
        }
    }

    [LoggerMessage(LogLevel.Error, "Gateway event {Name} (sequence {Sequence}) on shard {ShardId} could not be handled.")]
    private static partial void LogFailed(ILogger logger, Exception e, string name, int sequence, int shardId);
}

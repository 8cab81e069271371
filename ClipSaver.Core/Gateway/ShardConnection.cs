namespace ClipSaver.Core.Gateway;

/// <summary>A dispatch (op 0) as received by a shard, handed to event handling in order.</summary>
public sealed record GatewayDispatch(int ShardId, string Name, int Sequence, JsonElement Data, DateTimeOffset ReceivedAt);

/// <summary>What a shard connects with. <paramref name="IdentifyGate"/> waits for the shard's turn to identify (session start limit, max_concurrency).</summary>
public sealed record ShardSettings(
    Uri GatewayUrl,
    string Token,
    int ShardId,
    int ShardCount,
    TimeSpan MinBackoff,
    TimeSpan MaxBackoff,
    Func<int, CancellationToken, Task<IAsyncDisposable>> IdentifyGate);

/// <summary>
/// One shard's connection to Discord's Gateway, kept up until stopped (docs: events/gateway.mdx): Hello, a first
/// heartbeat after a random part of the interval, Identify or Resume (on <c>resume_gateway_url</c>), sequence tracking,
/// op 1/7/9/11, a missing ACK taken as a zombie connection, backoff with jitter. Close codes that must not be retried
/// stop it with the reason in words. Dispatches go to <paramref name="dispatch"/>, which must not block.
/// </summary>
public sealed partial class ShardConnection(ShardSettings settings, ShardState state, Func<GatewayDispatch, ValueTask> dispatch, TimeProvider clock, ILogger logger)
{
    private string? _sessionId;
    private Uri? _resumeUrl;
    private int? _sequence;

    private sealed record Outcome(string Reason, bool Resumable, bool Fatal = false, bool Clean = false);

    /// <summary>Runs until <paramref name="stopping"/> (then closes with 1000, ending the session) or a close code that must not be retried.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        var failures = 0;
        while (!stopping.IsCancellationRequested)
        {
            var outcome = await ConnectOnceAsync(stopping);
            if (stopping.IsCancellationRequested)
            {
                return;
            }

            if (outcome.Fatal)
            {
                state.Stopped(outcome.Reason);
                LogStopped(logger, settings.ShardId, outcome.Reason);
                return;
            }

            if (!outcome.Resumable)
            {
                _sessionId = null;
                _sequence = null;
            }

            state.Reconnecting(outcome.Reason, clock.GetUtcNow(), sessionEnded: !outcome.Resumable);
            LogReconnecting(logger, settings.ShardId, outcome.Reason, outcome.Resumable);
            failures = outcome.Clean ? 0 : failures + 1;
            try
            {
                await Task.Delay(Backoff(failures), clock, stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>After a clean hand-over (op 7, op 9) 1–5 × the minimum, as Discord asks; after failures exponential up to the maximum; always with jitter.</summary>
    private TimeSpan Backoff(int failures)
    {
        var min = settings.MinBackoff.TotalMilliseconds;
        var ceiling = failures == 0 ? min * 5 : Math.Min(settings.MaxBackoff.TotalMilliseconds, min * Math.Pow(2, Math.Min(failures, 16)));
        return TimeSpan.FromMilliseconds(min + (RandomNumberGenerator.GetInt32(1000) / 1000.0 * Math.Max(0, ceiling - min)));
    }

    /// <summary>
    /// A new session waits for its identify turn before connecting: waiting on an open connection would leave its
    /// heartbeats unanswered. The turn ends (and is recorded) once Discord answered the identify (READY or op 9), or when
    /// the attempt fails: Discord spaces identifies from when it handled them, and an answer comes only after that, so
    /// the recorded time is never earlier than Discord's however late the identify was handled.
    /// </summary>
    private async Task<Outcome> ConnectOnceAsync(CancellationToken stopping)
    {
        var resuming = _sessionId is not null && _resumeUrl is not null;
        var turn = new IdentifyTurn();
        try
        {
            if (!resuming)
            {
                turn.Held = await settings.IdentifyGate(settings.ShardId, stopping);
            }

            return await RunConnectionAsync(resuming, turn, stopping);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogFailed(logger, e, settings.ShardId);
            return new Outcome($"failed: {e.Message}", resuming);
        }
        finally
        {
            await turn.EndAsync();
        }
    }

    private sealed class IdentifyTurn
    {
        public IAsyncDisposable? Held { get; set; }

        public async Task EndAsync()
        {
            if (Held is { } held)
            {
                Held = null;
                await held.DisposeAsync();
            }
        }
    }

    private async Task<Outcome> RunConnectionAsync(bool resuming, IdentifyTurn turn, CancellationToken stopping)
    {
        GatewaySocket socket;
        try
        {
            socket = await GatewaySocket.ConnectAsync(WithQuery(resuming ? _resumeUrl! : settings.GatewayUrl), TimeSpan.FromSeconds(15), stopping);
        }
        catch (Exception e) when (e is System.Net.WebSockets.WebSocketException or OperationCanceledException or HttpRequestException)
        {
            return new Outcome($"could not connect: {e.Message}", resuming);
        }

        using (socket)
        using (var connection = CancellationTokenSource.CreateLinkedTokenSource(stopping))
        {
            // Stopping closes with 1000 (the session ends) and the receive loop reads Discord's answer; a hard stop follows if none comes.
            using var closing = stopping.Register(() =>
            {
                _ = socket.CloseAsync(1000, "Shard handed over.");
                connection.CancelAfter(TimeSpan.FromSeconds(5));
            });
            var zombie = new TaskCompletionSource<Outcome>(TaskCreationOptions.RunContinuationsAsynchronously);
            try
            {
                var hello = await socket.ReceiveAsync(connection.Token);
                if (hello.Op != 10)
                {
                    return new Outcome($"expected Hello, got op {hello.Op}", resuming);
                }

                var interval = TimeSpan.FromMilliseconds(hello.Data.GetProperty("heartbeat_interval").GetDouble());
                var heart = new Heartbeat(socket, interval, () => _sequence, state, clock);
                var beating = heart.RunAsync(zombie, connection);
                await (resuming ? ResumeAsync(socket, connection.Token) : IdentifyAsync(socket, connection.Token));
                var outcome = await ReceiveLoopAsync(socket, heart, turn, connection.Token);
                await socket.CloseAsync(outcome.Resumable ? 4000 : 1000, outcome.Reason);
                return outcome;
            }
            catch (GatewayClosedException closed)
            {
                if (closed.Code is { } code && GatewayCloseCodes.Fatal(code) is { } fatal)
                {
                    return new Outcome(fatal, false, Fatal: true);
                }

                return new Outcome(closed.Message, closed.Code is not { } c || !GatewayCloseCodes.EndsSession(c));
            }
            catch (OperationCanceledException) when (zombie.Task.IsCompleted)
            {
                socket.Abort();
                return await zombie.Task;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                socket.Abort();
                return new Outcome("stopped", false);
            }

            finally
            {
                await connection.CancelAsync();
            }
        }
    }

    private Task IdentifyAsync(GatewaySocket socket, CancellationToken cancellationToken) =>
        socket.SendAsync(2, new
        {
            token = settings.Token,
            intents = GatewayOptions.Intents,
            properties = new Dictionary<string, string> { ["os"] = Environment.OSVersion.Platform.ToString().ToLowerInvariant(), ["browser"] = "ClipSaver", ["device"] = "ClipSaver" },
            shard = new[] { settings.ShardId, settings.ShardCount },
        }, cancellationToken);

    private Task ResumeAsync(GatewaySocket socket, CancellationToken cancellationToken) =>
        socket.SendAsync(6, new { token = settings.Token, session_id = _sessionId, seq = _sequence ?? 0 }, cancellationToken);

    private async Task<Outcome> ReceiveLoopAsync(GatewaySocket socket, Heartbeat heart, IdentifyTurn turn, CancellationToken cancellationToken)
    {
        while (true)
        {
            var frame = await socket.ReceiveAsync(cancellationToken);
            if (frame.Op is 0 or 9)
            {
                await turn.EndAsync();
            }

            switch (frame.Op)
            {
                case 0:
                    _sequence = frame.Sequence ?? _sequence;
                    await OnDispatchAsync(frame);
                    break;
                case 1:
                    await heart.BeatAsync(cancellationToken);
                    break;
                case 7:
                    return new Outcome("Discord asked to reconnect (op 7)", true, Clean: true);
                case 9:
                    var resumable = frame.Data.ValueKind == JsonValueKind.True;
                    return new Outcome(resumable ? "session invalidated, resumable (op 9)" : "session invalidated (op 9)", resumable, Clean: true);
                case 11:
                    heart.Acknowledged();
                    break;
            }
        }
    }

    private async Task OnDispatchAsync(GatewayFrame frame)
    {
        var now = clock.GetUtcNow();
        if (frame.Name == "READY")
        {
            _sessionId = frame.Data.GetProperty("session_id").GetString();
            _resumeUrl = new Uri(frame.Data.GetProperty("resume_gateway_url").GetString()!);
            state.Connected(_sessionId!, now, newSession: true);
        }
        else if (frame.Name == "RESUMED")
        {
            state.Connected(_sessionId!, now, newSession: false);
        }

        state.Event(frame.Name!, frame.Sequence ?? 0, now);
        await dispatch(new GatewayDispatch(settings.ShardId, frame.Name!, frame.Sequence ?? 0, frame.Data, now));
    }

    private static Uri WithQuery(Uri url) => new UriBuilder(url) { Query = "v=10&encoding=json" }.Uri;

    [LoggerMessage(LogLevel.Warning, "Gateway shard {ShardId} reconnects ({Reason}); resume: {Resumable}.")]
    private static partial void LogReconnecting(ILogger logger, int shardId, string reason, bool resumable);

    [LoggerMessage(LogLevel.Error, "Gateway shard {ShardId}: the connection failed.")]
    private static partial void LogFailed(ILogger logger, Exception e, int shardId);

    [LoggerMessage(LogLevel.Error, "Gateway shard {ShardId} stopped: {Reason}")]
    private static partial void LogStopped(ILogger logger, int shardId, string reason);
}

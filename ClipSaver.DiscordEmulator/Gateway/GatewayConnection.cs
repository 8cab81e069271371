using System.Net.WebSockets;
using System.Threading.Channels;

namespace ClipSaver.DiscordEmulator.Gateway;

/// <summary>
/// One WebSocket connection to the emulated Gateway (docs: events/gateway.mdx): Hello, heartbeats and their ACKs,
/// Identify or Resume, then dispatches. Frames go out through one queue, so faults and events keep their order.
/// </summary>
internal sealed class GatewayConnection(WebSocket socket, GatewayHub hub, string botToken, EmulatorWorld world, bool onResumeUrl, string resumeUrl) : IDisposable
{
    private readonly Channel<Outgoing> _outbox = Channel.CreateUnbounded<Outgoing>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _aborted = new();

    private sealed record Outgoing(string? Text, int? CloseCode = null, string? Reason = null, bool Abort = false);

    /// <summary>Set by the hub once the connection identified or resumed.</summary>
    public GatewaySession? Session { get; set; }

    public void Send(string frame) => _outbox.Writer.TryWrite(new Outgoing(frame));

    public void Close(int code, string reason) => _outbox.Writer.TryWrite(new Outgoing(null, code, reason));

    /// <summary>Ends the TCP connection without a close frame.</summary>
    public void Abort() => _outbox.Writer.TryWrite(new Outgoing(null, Abort: true));

    public async Task RunAsync(CancellationToken stopping)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, _aborted.Token);
        var sending = SendLoopAsync(linked.Token);
        Send(GatewayPayloads.Text(new { op = 10, d = new { heartbeat_interval = (int)hub.Settings.HeartbeatInterval.TotalMilliseconds }, s = (int?)null, t = (string?)null }));
        try
        {
            await ReceiveLoopAsync(linked.Token);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            // Dropped by the client or by a fault.
        }
        finally
        {
            hub.Detach(this);
            _outbox.Writer.TryComplete();

            // The answer to a close still goes out; a client that stopped reading does not hold the connection open.
            await Task.WhenAny(sending, Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None));
            await _aborted.CancelAsync();
        }
    }

    private async Task ReceiveLoopAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        var text = new StringBuilder();
        while (socket.State == WebSocketState.Open)
        {
            var result = await socket.ReceiveAsync(buffer, cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                // Counted as gone before the answer, so a client that waits for the close handshake never sees its shard twice.
                hub.Detach(this);
                Close(socket.CloseStatus is { } status ? (int)status : 1000, "Bye.");
                return;
            }

            text.Append(Encoding.UTF8.GetString(buffer, 0, result.Count));
            if (result.EndOfMessage)
            {
                Handle(text.ToString(), cancellationToken);
                text.Clear();
            }
        }
    }

    private void Handle(string frame, CancellationToken cancellationToken)
    {
        JsonElement payload;
        try
        {
            payload = JsonDocument.Parse(frame).RootElement;
        }
        catch (JsonException)
        {
            Close(4002, "Decode error.");
            return;
        }

        var op = payload.TryGetProperty("op", out var o) && o.ValueKind == JsonValueKind.Number ? o.GetInt32() : -1;
        var d = payload.TryGetProperty("d", out var data) ? data : default;
        switch (op)
        {
            case 1:
                Acknowledge();
                break;
            case 2 when Session is not null:
                Close(4005, "Already authenticated.");
                break;
            case 2 when hub.TakeIdentifyDelay() is var delay && delay > TimeSpan.Zero:
                // Heartbeats are still acknowledged meanwhile, as Discord does.
                var late = d.Clone();
                _ = Task.Delay(delay, cancellationToken).ContinueWith(t => { if (!t.IsCanceled) Identify(late); }, TaskScheduler.Default);
                break;
            case 2:
                Identify(d);
                break;
            case 6:
                Resume(d);
                break;
            case 3 or 4 or 8 when Session is null:
                Close(4003, "Not authenticated.");
                break;
            case 3 or 4 or 8:
                break;
            default:
                Close(4001, "Unknown opcode.");
                break;
        }
    }

    private void Acknowledge()
    {
        if (hub.SwallowAcks)
        {
            return;
        }

        if (hub.AckDelay <= TimeSpan.Zero)
        {
            Send("""{"op":11}""");
            return;
        }

        _ = Task.Delay(hub.AckDelay, _aborted.Token).ContinueWith(t => { if (!t.IsCanceled) Send("""{"op":11}"""); }, TaskScheduler.Default);
    }

    private void Identify(JsonElement d)
    {
        if (d.ValueKind != JsonValueKind.Object || !d.TryGetProperty("token", out var token) || !d.TryGetProperty("intents", out var intentsValue)
            || intentsValue.ValueKind != JsonValueKind.Number || !d.TryGetProperty("properties", out _))
        {
            Close(4002, "Identify needs token, intents and properties.");
            return;
        }

        var intents = intentsValue.GetInt64();
        var (shardId, shardCount) = d.TryGetProperty("shard", out var shard) && shard.ValueKind == JsonValueKind.Array && shard.GetArrayLength() == 2
            ? (shard[0].GetInt32(), shard[1].GetInt32()) : (0, 1);
        var refusal =
            !string.Equals(token.GetString(), botToken, StringComparison.Ordinal) ? (4004, "Authentication failed.")
            : shardCount < 1 || shardId < 0 || shardId >= shardCount ? (4010, "Invalid shard.")
            : shardCount < hub.Settings.RequiredShards ? (4011, "Sharding required.")
            : (intents & ~(long)GatewayIntents.All) != 0 ? (4013, "Invalid intent(s).")
            : ((intents & GatewayIntents.GuildMembers) != 0 && !world.MembersIntent) || ((intents & GatewayIntents.MessageContent) != 0 && !world.MessageContentIntent)
                ? (4014, "Disallowed intent(s).")
            : ((int, string)?)null;
        if (refusal is { } refused)
        {
            Close(refused.Item1, refused.Item2);
            return;
        }

        if (hub.Identify(this, shardId, shardCount, (int)intents, resumeUrl) is null)
        {
            Send("""{"op":9,"d":false}""");
        }
    }

    private void Resume(JsonElement d)
    {
        if (d.ValueKind != JsonValueKind.Object || !d.TryGetProperty("token", out var token) || !d.TryGetProperty("session_id", out var id)
            || !d.TryGetProperty("seq", out var seq) || seq.ValueKind != JsonValueKind.Number)
        {
            Close(4002, "Resume needs token, session_id and seq.");
        }
        else if (!string.Equals(token.GetString(), botToken, StringComparison.Ordinal))
        {
            Close(4004, "Authentication failed.");
        }
        else if (!hub.Resume(this, id.GetString() ?? "", seq.GetInt32(), onResumeUrl))
        {
            Send("""{"op":9,"d":false}""");
        }
    }

    private async Task SendLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var item in _outbox.Reader.ReadAllAsync(cancellationToken))
            {
                if (item.Abort)
                {
                    socket.Abort();
                    await _aborted.CancelAsync();
                    return;
                }

                if (item.CloseCode is { } code)
                {
                    hub.Detach(this);
                    await socket.CloseOutputAsync((WebSocketCloseStatus)code, item.Reason, cancellationToken);
                    return;
                }

                await socket.SendAsync(Encoding.UTF8.GetBytes(item.Text!), WebSocketMessageType.Text, true, cancellationToken);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The connection is gone; the receive loop ends too.
        }
    }

    public void Dispose() => _aborted.Dispose();
}

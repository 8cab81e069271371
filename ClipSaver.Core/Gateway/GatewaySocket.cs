using System.Net.WebSockets;

namespace ClipSaver.Core.Gateway;

/// <summary>A Gateway payload as received: opcode, data, and for dispatches the sequence number and event name.</summary>
public sealed record GatewayFrame(int Op, JsonElement Data, int? Sequence, string? Name);

/// <summary>Thrown when Discord closes the connection; <see cref="Code"/> is its close code (null without one).</summary>
public sealed class GatewayClosedException(int? code, string? reason)
    : Exception(code is { } c ? $"Discord closed the connection: {GatewayCloseCodes.Describe(c)} {reason}".Trim() : "The connection dropped without a close code.")
{
    public int? Code { get; } = code;
}

/// <summary>
/// JSON frames over one <see cref="ClientWebSocket"/>: whole messages read one at a time, sends serialized (a
/// WebSocket allows one send at a time, and the heartbeat and the receive loop both send).
/// </summary>
public sealed class GatewaySocket(ClientWebSocket socket) : IDisposable
{
    private readonly SemaphoreSlim _sending = new(1, 1);
    private readonly byte[] _buffer = new byte[64 * 1024];

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static async Task<GatewaySocket> ConnectAsync(Uri url, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(20);
        using var connecting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        connecting.CancelAfter(timeout);
        try
        {
            await socket.ConnectAsync(url, connecting.Token);
            return new GatewaySocket(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The next payload; <see cref="GatewayClosedException"/> when Discord closes or the connection drops.</summary>
    public async Task<GatewayFrame> ReceiveAsync(CancellationToken cancellationToken)
    {
        using var message = new MemoryStream();
        while (true)
        {
            WebSocketReceiveResult result;
            try
            {
                result = await socket.ReceiveAsync(_buffer, cancellationToken);
            }
            catch (WebSocketException)
            {
                throw new GatewayClosedException(null, null);
            }

            if (result.MessageType == WebSocketMessageType.Close)
            {
                throw new GatewayClosedException((int?)socket.CloseStatus, socket.CloseStatusDescription);
            }

            message.Write(_buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                break;
            }
        }

        message.Position = 0;
        using var document = await JsonDocument.ParseAsync(message, cancellationToken: cancellationToken);
        var root = document.RootElement;
        return new GatewayFrame(
            root.GetProperty("op").GetInt32(),
            root.TryGetProperty("d", out var d) ? d.Clone() : default,
            root.TryGetProperty("s", out var s) && s.ValueKind == JsonValueKind.Number ? s.GetInt32() : null,
            root.TryGetProperty("t", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null);
    }

    public async Task SendAsync(int op, object? data, CancellationToken cancellationToken)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(new { op, d = data }, Json);
        await _sending.WaitAsync(cancellationToken);
        try
        {
            await socket.SendAsync(bytes, WebSocketMessageType.Text, true, cancellationToken);
        }
        catch (WebSocketException)
        {
            throw new GatewayClosedException(null, null);
        }
        finally
        {
            _sending.Release();
        }
    }

    /// <summary>
    /// Sends a close frame; the receive loop then sees Discord's answer. A code other than 1000/1001 keeps the session
    /// resumable. Allowed while a receive is waiting (cancelling that receive would abort the connection instead).
    /// </summary>
    public async Task CloseAsync(int code, string reason)
    {
        await _sending.WaitAsync(CancellationToken.None);
        try
        {
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await socket.CloseOutputAsync((WebSocketCloseStatus)code, reason, timeout.Token);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            socket.Abort();
        }
        finally
        {
            _sending.Release();
        }
    }

    /// <summary>Ends the connection at once, without a close frame.</summary>
    public void Abort() => socket.Abort();

    public void Dispose()
    {
        socket.Dispose();
        _sending.Dispose();
    }
}

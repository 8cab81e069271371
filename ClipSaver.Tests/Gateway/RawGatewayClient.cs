using System.Net.WebSockets;

namespace ClipSaver.Tests.Gateway;

/// <summary>A bare WebSocket client for the emulator's Gateway: sends payloads, reads them back, sees the close code.</summary>
public sealed class RawGatewayClient : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();

    public int? CloseCode => (int?)_socket.CloseStatus;

    public static async Task<RawGatewayClient> ConnectAsync(Uri url, string query = "v=10&encoding=json")
    {
        var client = new RawGatewayClient();
        await client._socket.ConnectAsync(new UriBuilder(url) { Query = query }.Uri, Timeout());
        return client;
    }

    public Task SendAsync(int op, object? d) =>
        _socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(new { op, d }), WebSocketMessageType.Text, true, Timeout());

    public Task IdentifyAsync(string token, int intents, int shard = 0, int shards = 1) =>
        SendAsync(2, new { token, intents, properties = new { os = "linux", browser = "test", device = "test" }, shard = new[] { shard, shards } });

    /// <summary>The next payload; null when the server closed the connection.</summary>
    public async Task<JsonElement?> ReceiveAsync()
    {
        var buffer = new byte[64 * 1024];
        using var text = new MemoryStream();
        while (true)
        {
            var result = await _socket.ReceiveAsync(buffer, Timeout());
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            text.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return JsonDocument.Parse(Encoding.UTF8.GetString(text.ToArray())).RootElement.Clone();
            }
        }
    }

    /// <summary>Reads until a dispatch named <paramref name="name"/> (or another opcode, with <paramref name="op"/>).</summary>
    public async Task<JsonElement> ExpectAsync(string? name = null, int op = 0)
    {
        while (await ReceiveAsync() is { } payload)
        {
            if (payload.GetProperty("op").GetInt32() == op && (name is null || payload.GetProperty("t").GetString() == name))
            {
                return payload;
            }
        }

        throw new InvalidOperationException($"Closed with {CloseCode} before {name ?? $"op {op}"}.");
    }

    /// <summary>Reads until the server closes; returns the close code.</summary>
    public async Task<int?> ClosedAsync()
    {
        while (await ReceiveAsync() is not null)
        {
        }

        return CloseCode;
    }

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token;

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", Timeout());
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
                // Gone already.
            }
        }

        _socket.Dispose();
    }
}

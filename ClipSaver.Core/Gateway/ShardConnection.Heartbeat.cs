namespace ClipSaver.Core.Gateway;

public sealed partial class ShardConnection
{
    /// <summary>
    /// Heartbeats every interval, the first after a random part of it; a beat whose ACK has not arrived by the next
    /// one marks the connection a zombie: it is cut and the session resumed on a new one.
    /// </summary>
    private sealed class Heartbeat(GatewaySocket socket, TimeSpan interval, Func<int?> sequence, ShardState state, TimeProvider clock)
    {
        private volatile bool _acked = true;
        private long _sentAt;

        public async Task RunAsync(TaskCompletionSource<Outcome> zombie, CancellationTokenSource connection)
        {
            var token = connection.Token;
            try
            {
                await Task.Delay(interval * (RandomNumberGenerator.GetInt32(1000) / 1000.0), clock, token);
                while (true)
                {
                    if (!_acked)
                    {
                        zombie.TrySetResult(new Outcome("no heartbeat ACK within the interval (zombie connection)", true));
                        await connection.CancelAsync();
                        return;
                    }

                    await BeatAsync(token);
                    await Task.Delay(interval, clock, token);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or GatewayClosedException or ObjectDisposedException)
            {
                // The connection ended; the receive loop reports why.
            }
        }

        public async Task BeatAsync(CancellationToken cancellationToken)
        {
            _acked = false;
            Interlocked.Exchange(ref _sentAt, clock.GetTimestamp());
            await socket.SendAsync(1, sequence(), cancellationToken);
        }

        public void Acknowledged()
        {
            _acked = true;
            state.Latency(clock.GetElapsedTime(Interlocked.Read(ref _sentAt)));
        }
    }
}

using Microsoft.Extensions.Hosting;
using Queue = System.Threading.Channels.Channel;

namespace ClipSaver.Core.Gateway;

/// <summary>Files of clips seen in one event, to fetch while their signed links are fresh.</summary>
public sealed record LiveDownload(long GuildId, long ChannelId, long? ParentId, IReadOnlyList<(long ClipId, FoundClip Clip)> Clips, GuildSettings Settings);

/// <summary>
/// Downloads the files of clips seen in Gateway events, off the receive loop, a few at a time. Nothing here needs to
/// survive a crash: the clip rows are committed before they are queued, "file pending" (no storage key, no skip
/// reason), and the channel's next scan (started at once after a new session) downloads every pending file first.
/// A download that fails asks for that scan right away.
/// </summary>
public sealed partial class LiveDownloads(IServiceScopeFactory scopes, IOptionsMonitor<GatewayOptions> options, ILogger<LiveDownloads> logger) : BackgroundService
{
    private readonly System.Threading.Channels.Channel<LiveDownload> _queue = Queue.CreateUnbounded<LiveDownload>();
    private long _stored;

    /// <summary>Files stored from events since start.</summary>
    public long Stored => Interlocked.Read(ref _stored);

    public void Enqueue(LiveDownload work) => _queue.Writer.TryWrite(work);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, options.CurrentValue.DownloadWorkers).Select(_ => WorkAsync(stoppingToken)));

    private async Task WorkAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var work in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                await using var scope = scopes.CreateAsyncScope();
                try
                {
                    await scope.ServiceProvider.GetRequiredService<ClipDownloads>()
                        .DownloadAsync(work.GuildId, work.ChannelId, null, work.ParentId, work.Clips, work.Settings, stoppingToken);
                    Interlocked.Add(ref _stored, work.Clips.Count);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogFailed(logger, e, work.ChannelId);
                    await scope.ServiceProvider.GetRequiredService<Scans>().StartAsync(work.GuildId, work.ChannelId, ScanKind.Incremental, CancellationToken.None);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: the files still queued are pending rows, fetched by the channels' next scans.
        }
    }

    [LoggerMessage(LogLevel.Warning, "A live download in channel {ChannelId} failed; a scan of the channel fetches its files.")]
    private static partial void LogFailed(ILogger logger, Exception e, long channelId);
}

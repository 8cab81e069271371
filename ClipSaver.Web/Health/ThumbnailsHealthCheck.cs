namespace ClipSaver.Web.Health;

/// <summary>
/// ffprobe and ffmpeg are where the thumbnail job looks for them. At most Degraded: without them clips still archive and
/// play, they only wait for their previews (docs/decisions/020-thumbnails.md).
/// </summary>
public sealed class ThumbnailsHealthCheck(FFmpegTools tools, Microsoft.Extensions.Options.IOptionsMonitor<ThumbnailOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(!options.CurrentValue.Enabled
            ? HealthCheckResult.Healthy("Thumbnails are switched off (ClipSaver:Thumbnails:Enabled).")
            : tools.Missing() is { } why
                ? HealthCheckResult.Degraded(why)
                : HealthCheckResult.Healthy("ffmpeg and ffprobe are available for the clips' previews."));
}

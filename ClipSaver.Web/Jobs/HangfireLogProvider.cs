using Hangfire.Logging;

namespace ClipSaver.Web.Jobs;

/// <summary>
/// Hangfire keeps its log provider in a static, shared by every host in the process. The stock provider holds the
/// first host's logger factory and throws once that host is disposed; this one writes through the newest live host's
/// factory and stays quiet when there is none.
/// </summary>
internal sealed partial class HangfireLogProvider(ILoggerFactory loggerFactory) : ILogProvider
{
    public ILog GetLogger(string name) => new ForwardingLog(loggerFactory, name);

    private sealed partial class ForwardingLog(ILoggerFactory factory, string name) : ILog
    {
        private ILogger? _logger;

        public bool Log(Hangfire.Logging.LogLevel logLevel, Func<string>? messageFunc, Exception? exception = null)
        {
            ILogger logger;
            try
            {
                logger = _logger ??= factory.CreateLogger(name);
            }
            catch (ObjectDisposedException)
            {
                return false;
            }

            var level = logLevel switch
            {
                Hangfire.Logging.LogLevel.Trace => Microsoft.Extensions.Logging.LogLevel.Trace,
                Hangfire.Logging.LogLevel.Debug => Microsoft.Extensions.Logging.LogLevel.Debug,
                Hangfire.Logging.LogLevel.Info => Microsoft.Extensions.Logging.LogLevel.Information,
                Hangfire.Logging.LogLevel.Warn => Microsoft.Extensions.Logging.LogLevel.Warning,
                Hangfire.Logging.LogLevel.Error => Microsoft.Extensions.Logging.LogLevel.Error,
                _ => Microsoft.Extensions.Logging.LogLevel.Critical,
            };
            if (messageFunc is null || !logger.IsEnabled(level))
            {
                return logger.IsEnabled(level);
            }

            LogForwarded(logger, level, exception, messageFunc());
            return true;
        }

        [LoggerMessage(Message = "{Message}")]
        private static partial void LogForwarded(ILogger logger, Microsoft.Extensions.Logging.LogLevel level, Exception? exception, string message);
    }
}

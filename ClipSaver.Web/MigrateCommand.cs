namespace ClipSaver.Web;

/// <summary><c>dotnet ClipSaver.Web.dll migrate</c>: the explicit migration step for Production and Docker.</summary>
internal static partial class MigrateCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = args,
            ContentRootPath = ContentRoot.Choose(Directory.GetCurrentDirectory(), AppContext.BaseDirectory),
        });
        builder.AddClipSaverCore();
        using var host = builder.Build();
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ClipSaver.Migrate");
        await DatabaseMigrator.MigrateAsync(host.Services, CancellationToken.None);
        LogUpToDate(logger);
        return 0;
    }

    [LoggerMessage(LogLevel.Information, "The database schema is up to date")]
    private static partial void LogUpToDate(ILogger logger);
}

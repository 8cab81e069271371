namespace ClipSaver.Web;

/// <summary>The app's services for a command line (<c>tokens</c>, <c>storage</c>), without its web server or job servers.</summary>
internal static class CommandHost
{
    /// <summary>
    /// Configured like the app (appsettings, environment) plus the command's <c>--key=value</c> arguments. Null, with
    /// the reason in one line on <paramref name="error"/>, when no database is configured (Production) or none can be
    /// started: not a stack trace.
    /// </summary>
    public static async Task<WebApplication?> TryBuildAsync(string[] args, TextWriter error)
    {
        var builder = ContentRoot.CreateBuilder([.. args.Where(a => a.StartsWith("--", StringComparison.Ordinal) && a.Contains('=', StringComparison.Ordinal))]);
        try
        {
            builder.AddClipSaverCore();
        }
        catch (Exception e) when (e is InvalidOperationException or LocalPostgresUnavailableException)
        {
            await error.WriteLineAsync(e.Message);
            return null;
        }

        // A command uses the database, the Discord client and storage only; the job services it does not start need
        // Hangfire, which Development's build-time check of every service would otherwise refuse.
        builder.Host.UseDefaultServiceProvider(o => o.ValidateOnBuild = false);
        return builder.Build();
    }
}

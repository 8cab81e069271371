namespace ClipSaver.Web;

/// <summary>
/// Where the app reads <c>appsettings.json</c> and <c>wwwroot</c> from. ASP.NET Core takes the current folder; the
/// image starts the app in its own folder (WORKDIR), but <c>dotnet /app/ClipSaver.Web.dll</c> started anywhere else
/// read no settings at all (every SQL command logged, the configured job queues ignored). When the current folder has
/// no <c>appsettings.json</c> and the app's own folder has one, the app's folder is the content root.
/// </summary>
internal static class ContentRoot
{
    public const string SettingsFile = "appsettings.json";

    /// <summary>The folder to use, or null to keep ASP.NET Core's choice (the current folder, or what the host says).</summary>
    public static string? Choose(string currentFolder, string appFolder) =>
        !File.Exists(Path.Combine(currentFolder, SettingsFile)) && File.Exists(Path.Combine(appFolder, SettingsFile)) ? appFolder : null;

    /// <summary>The web app's builder with the content root chosen as above; the command line's arguments as usual.</summary>
    public static WebApplicationBuilder CreateBuilder(string[] args) => WebApplication.CreateBuilder(new WebApplicationOptions
    {
        Args = args,
        ContentRootPath = Choose(Directory.GetCurrentDirectory(), AppContext.BaseDirectory),
    });
}

using ClipSaver.Web;

namespace ClipSaver.Tests.Foundation;

/// <summary>The app started from another folder than its own still reads its own settings (ContentRoot).</summary>
public sealed class ContentRootTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("clipsaver-content-root-").FullName;

    private string Folder(string name, bool withSettings)
    {
        var folder = Directory.CreateDirectory(Path.Combine(_root, name)).FullName;
        if (withSettings)
        {
            File.WriteAllText(Path.Combine(folder, ContentRoot.SettingsFile), "{}");
        }

        return folder;
    }

    [Fact]
    public void Started_elsewhere_the_app_reads_the_settings_beside_it()
    {
        var app = Folder("app", withSettings: true);

        Assert.Equal(app, ContentRoot.Choose(Folder("somewhere", withSettings: false), app));
    }

    [Fact]
    public void A_current_folder_with_its_own_settings_keeps_them_and_an_app_without_settings_changes_nothing()
    {
        Assert.Null(ContentRoot.Choose(Folder("here", withSettings: true), Folder("app", withSettings: true)));
        Assert.Null(ContentRoot.Choose(Folder("empty", withSettings: false), Folder("bare", withSettings: false)));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}

namespace ClipSaver.Tests.Foundation;

/// <summary>
/// Hangfire keeps its configuration in statics: the app that configures Hangfire last in a process sets
/// <see cref="JobActivator.Current"/>. Several app instances share a process in the tests (and could in a host that
/// runs two), so each app's job servers must activate jobs in that app's own container, never in the last one's.
/// </summary>
public sealed class JobActivatorTests : AppTestBase
{
    [Fact]
    public async Task Jobs_are_activated_in_the_apps_own_container_when_another_app_configured_Hangfire_after_it()
    {
        _ = App.Services.GetRequiredService<IGlobalConfiguration>();
        var other = new ClipSaverAppFactory(Db, TestDiscord.Settings(Discord));
        await using (other)
        {
            _ = other.Services.GetRequiredService<IGlobalConfiguration>(); // Hangfire's static activator is now the other app's
        }

        // The other app is gone (as a finished test's app is); a job of this app still gets this app's services.
        var activator = App.Services.GetRequiredService<JobActivator>();
        using var scope = activator.BeginScope((JobActivatorContext)null!);
        Assert.Same(App.Services.GetRequiredService<ClipSaverConnection>(), scope.Resolve(typeof(ClipSaverConnection)));
    }
}

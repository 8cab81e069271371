namespace ClipSaver.Tests.Infrastructure;

/// <summary>A fresh database and app per test class instance (xunit creates one instance per test).</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xunit disposes through IAsyncLifetime.DisposeAsync.")]
public abstract class AppTestBase : IAsyncLifetime
{
    private TestDb? _db;
    private ClipSaverAppFactory? _app;

    protected TestDb Db => _db ?? throw new InvalidOperationException("Not initialised.");
    protected ClipSaverAppFactory App => _app ?? throw new InvalidOperationException("Not initialised.");

    /// <summary>Extra configuration for the app under test.</summary>
    protected virtual IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>();

    public virtual async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        _app = new ClipSaverAppFactory(_db, Settings);
    }

    public virtual async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        if (_db is not null)
        {
            await _db.DisposeAsync();
        }
    }
}

namespace ClipSaver.Tests.Infrastructure;

/// <summary>
/// A test class on a fresh database of its own (xunit creates one instance per test), with a fake clock that starts at
/// 2026-11-23 12:00 UTC unless the class names another time.
/// </summary>
public abstract class DatabaseTestBase(DateTimeOffset? now = null) : IAsyncLifetime
{
    private readonly List<string> _folders = [];

    protected FakeTimeProvider Clock { get; } = new(now ?? new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));

    protected TestDb Db { get; private set; } = null!;

    public virtual async Task InitializeAsync() => Db = await TestDatabase.CreateAsync();

    public virtual async Task DisposeAsync()
    {
        await Db.DisposeAsync();
        foreach (var folder in _folders)
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Clip storage in a new temporary folder, deleted when the test ends.</summary>
    protected IClipStorage LocalFolderStorage(string prefix)
    {
        var root = Directory.CreateTempSubdirectory(prefix).FullName;
        _folders.Add(root);
        return new LocalFolderClipStorage(new StaticMonitor<StorageOptions>(new StorageOptions { Root = root }));
    }

    /// <summary>Stores a user created now, with a new id unless one is given; returns the id.</summary>
    protected async Task<long> AddUserAsync(string username, long? id = null)
    {
        await using var context = Db.CreateContext();
        var user = new User { Id = id ?? TestData.NewId(), Username = username, CreatedAt = Clock.GetUtcNow() };
        context.Users.Add(user);
        await context.SaveChangesAsync();
        return user.Id;
    }

    /// <summary>Stores a new guild with one channel; returns their ids.</summary>
    protected async Task<(long GuildId, long ChannelId)> AddGuildWithChannelAsync()
    {
        await using var context = Db.CreateContext();
        var guild = TestData.Guild();
        var channel = TestData.Channel(guild.Id);
        context.AddRange(guild, channel);
        await context.SaveChangesAsync();
        return (guild.Id, channel.Id);
    }
}

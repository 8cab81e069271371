namespace ClipSaver.Tests.Infrastructure;

/// <summary>A fresh database and app per test class instance (xunit creates one instance per test).</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xunit disposes through IAsyncLifetime.DisposeAsync.")]
public abstract class AppTestBase : IAsyncLifetime
{
    private TestDb? _db;
    private ClipSaverAppFactory? _app;
    private EmulatorHost? _discord;

    protected TestDb Db => _db ?? throw new InvalidOperationException("Not initialised.");
    protected ClipSaverAppFactory App => _app ?? throw new InvalidOperationException("Not initialised.");

    /// <summary>The Discord emulator the app talks to (the demo world unless <see cref="World"/> says otherwise).</summary>
    protected EmulatorHost Discord => _discord ?? throw new InvalidOperationException("Not initialised.");

    protected virtual WorldShape World => WorldShape.Demo;

    /// <summary>Extra configuration for the app under test.</summary>
    protected virtual IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>();

    public virtual async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        _discord = await TestDiscord.StartAsync(World, ConfigureEmulator);
        var settings = TestDiscord.Settings(_discord);
        foreach (var (key, value) in Settings)
        {
            settings[key] = value;
        }

        _app = new ClipSaverAppFactory(_db, settings);
    }

    protected virtual void ConfigureEmulator(EmulatorOptions options)
    {
    }

    /// <summary>Runs a service of the app (a job, for instance) in its own scope, as Hangfire would.</summary>
    protected async Task RunAsync<T>(Func<T, Task> work)
        where T : notnull
    {
        await using var scope = App.Services.CreateAsyncScope();
        await work(scope.ServiceProvider.GetRequiredService<T>());
    }

    /// <summary>Records the bot's guilds and their channels, as the reconciliation job does.</summary>
    protected Task ReconcileAsync() => RunAsync<ClipSaver.Core.Guilds.GuildSync>(s => s.ReconcileAsync(CancellationToken.None));

    protected EmulatedGuild DemoGuild(string name) => Discord.World.Guilds.Single(g => g.Name == name);

    /// <summary>Reconciles (so the app has recorded the bot's guilds), then returns the first guild the bot is in.</summary>
    protected async Task<EmulatedGuild> ReconciledBotGuildAsync()
    {
        await ReconcileAsync();
        return Discord.World.Guilds.First(g => g.BotPresent);
    }

    /// <summary>A guild's text channels that are not NSFW (the ones a scan archives), in the world's order.</summary>
    protected IEnumerable<EmulatedChannel> TextChannels(EmulatedGuild guild) => Discord.World.Channels(guild.Id).Where(c => c.Type == 0 && !c.Nsfw);

    /// <summary>Reconciles (so the app has recorded the bot's guilds), then returns the demo guild of that name.</summary>
    protected async Task<EmulatedGuild> ReconciledDemoGuildAsync(string name)
    {
        await ReconcileAsync();
        return DemoGuild(name);
    }

    /// <summary>Reconciles, then returns the demo guild "Clip Club" and its first text channel as stored.</summary>
    protected async Task<(long GuildId, Channel Channel)> ReconciledClipClubAsync()
    {
        await ReconcileAsync();
        var guildId = (long)DemoGuild("Clip Club").Id;
        await using var db = Db.CreateContext();
        var channel = await db.Channels.Where(c => c.GuildId == guildId && c.Type == 0 && !c.IsThread).OrderBy(c => c.Position).FirstAsync();
        return (guildId, channel);
    }

    /// <summary>Waits until the condition holds in the database, looking again every 100 ms; fails after the given time.</summary>
    protected async Task EventuallyAsync(Func<ClipSaverDbContext, Task<bool>> condition, string what, int seconds = 20)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            await using (var db = Db.CreateContext())
            {
                if (await condition(db))
                {
                    return;
                }
            }

            Assert.True(DateTime.UtcNow < until, $"Waited {seconds} s for {what}.");
            await Task.Delay(100);
        }
    }

    /// <summary>An API client for a Discord user (stored if new), with a fresh personal token.</summary>
    protected async Task<HttpClient> ApiClientAsync(ulong discordUserId)
    {
        var userId = TestDiscord.Id(discordUserId);
        await using (var db = Db.CreateContext())
        {
            if (!await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.AnyAsync(db.Users, u => u.Id == userId))
            {
                db.Users.Add(new ClipSaver.Core.Data.User { Id = userId, Username = $"user{userId}", CreatedAt = DateTimeOffset.UtcNow });
                await db.SaveChangesAsync();
            }
        }

        string token = "";
        await RunAsync<ClipSaver.Core.Access.ApiTokens>(async t => token = (await t.CreateAsync(userId, "test", null, CancellationToken.None)).Token);
        var client = App.CreateClientAs(null);
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public virtual async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        if (_discord is not null)
        {
            await _discord.DisposeAsync();
        }

        if (_db is not null)
        {
            await _db.DisposeAsync();
        }
    }
}

using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Configuration;

namespace ClipSaver.Tests.Purging;

/// <summary>
/// A database with two guilds: the target guild with channels A and B, and another guild with channel C, each
/// channel with clips, files, scan runs and members. Builds the services a purge uses, on real storage. Discord is
/// the emulator, which does not know these guilds: the owner's live check then falls back to the stored owner, as it
/// does for a guild the bot lost (<see cref="GuildAccess"/>).
/// </summary>
public abstract class PurgeFixture : DatabaseTestBase
{
    public const long Owner = 300_000_000_000_000_001;
    protected IClipStorage Storage { get; private set; } = null!;
    protected JobStorage JobStorage { get; private set; } = null!;
    protected long GuildId { get; private set; }
    protected long ChannelA { get; private set; }
    protected long ChannelB { get; private set; }
    protected long OtherGuildId { get; private set; }
    protected long ChannelC { get; private set; }
    private string? _storageRoot;
    private EmulatorHost _discord = null!;
    private ServiceProvider _discordClients = null!;

    /// <summary>The clips' files in a bucket on the run's S3-protocol server instead of a local folder.</summary>
    protected virtual bool OnS3 => false;

    protected PurgeOptions Options { get; } = new() { UndoWindow = TimeSpan.FromMinutes(2), BatchSize = 7, ScanStopTimeout = TimeSpan.FromSeconds(60) };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        if (OnS3)
        {
            Storage = TestS3Server.CreateStorage(await TestS3Server.CreateBucketAsync());
        }
        else
        {
            _storageRoot = Directory.CreateTempSubdirectory("clipsaver-purge-").FullName;
            Storage = new LocalFolderClipStorage(Microsoft.Extensions.Options.Options.Create(new StorageOptions { Root = _storageRoot }));
        }

        JobStorage = TestJobs.Storage(Db);
        _discord = await TestDiscord.StartAsync(WorldShape.Small, o => o.RateLimits.Enabled = false);
        _discordClients = new ServiceCollection().AddLogging().AddMemoryCache()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(TestDiscord.Settings(_discord)).Build())
            .AddDiscordClients().BuildServiceProvider();
        await using var context = Db.CreateContext();
        context.Users.Add(new User { Id = Owner, Username = "owner", CreatedAt = Clock.GetUtcNow() });
        var guild = TestData.Guild(ownerId: Owner);
        var other = TestData.Guild(ownerId: Owner);
        var a = TestData.Channel(guild.Id, name: "clips-a");
        var b = TestData.Channel(guild.Id, name: "clips-b");
        var c = TestData.Channel(other.Id, name: "clips-c");
        context.AddRange(guild, other, a, b, c);
        await context.SaveChangesAsync();
        (GuildId, ChannelA, ChannelB, OtherGuildId, ChannelC) = (guild.Id, a.Id, b.Id, other.Id, c.Id);
        await SeedChannelAsync(context, guild.Id, a.Id, 23);
        await SeedChannelAsync(context, guild.Id, b.Id, 11);
        await SeedChannelAsync(context, other.Id, c.Id, 9);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _discordClients.DisposeAsync();
        await _discord.DisposeAsync();
        if (_storageRoot is not null)
        {
            Directory.Delete(_storageRoot, recursive: true);
        }
    }

    protected async Task SeedChannelAsync(ClipSaverDbContext context, long guildId, long channelId, int clips)
    {
        for (var i = 0; i < clips; i++)
        {
            var author = TestData.NewId();
            context.Users.Add(new User { Id = author, Username = "author", CreatedAt = Clock.GetUtcNow() });
            context.GuildMembers.Add(new GuildMember { GuildId = guildId, UserId = author, FirstSeenAt = Clock.GetUtcNow(), LastSeenAt = Clock.GetUtcNow() });
            var attachment = TestData.NewId();
            var bytes = RandomNumberGenerator.GetBytes(100 + i);
            var key = ClipStorageKeys.ForAttachment(guildId, channelId, attachment, "clip.mp4");
            var stored = await Storage.PutAsync(key, new MemoryStream(bytes), 10_000, CancellationToken.None);
            context.Clips.Add(TestData.Clip(
                guildId, channelId, author, "clip.mp4", bytes.Length, Clock.GetUtcNow().AddDays(-i), archivedAt: Clock.GetUtcNow(), contentType: "video/mp4",
                storageKey: key, attachmentId: attachment, sha256: stored.Sha256, crc32: stored.Crc32));
        }

        context.ScanRuns.Add(TestData.ScanRun(guildId, channelId, ScanStatus.Completed, Clock.GetUtcNow().AddHours(-1)));
        context.ScanRuns.Add(TestData.ScanRun(guildId, channelId, ScanStatus.Failed, Clock.GetUtcNow().AddHours(-2)));
        await context.Channels.Where(c => c.Id == channelId).ExecuteUpdateAsync(s => s.SetProperty(c => c.ClipCount, clips).SetProperty(c => c.IsReading, true));
        await context.SaveChangesAsync();
    }

    /// <summary>The owner of the target guild, as the purge use cases take them.</summary>
    protected static Actor OwnerActor => Actor.User(Owner);

    protected GuildAccess Access(ClipSaverDbContext context) =>
        new(context, _discordClients.GetRequiredService<DiscordRestClient>(), _discordClients.GetRequiredService<IMemoryCache>(),
            new StaticMonitor<AccessOptions>(new AccessOptions()), NullLogger<GuildAccess>.Instance);

    protected RequestPurge Request(ClipSaverDbContext context) =>
        new(context, Access(context), TestJobs.Client(JobStorage), new StaticMonitor<PurgeOptions>(Options), Clock);

    protected CancelPurge Cancel(ClipSaverDbContext context) =>
        new(context, Access(context), TestJobs.Client(JobStorage), new StaticMonitor<PurgeOptions>(Options), Clock);

    /// <summary>
    /// A purge job built as the app builds it, with the seams a test may replace: the storage, the bot's departure
    /// (Discord), the walk order, and an observer that can stop the run at a chosen point as a crash would.
    /// </summary>
    protected PurgeJob Job(
        ClipSaverDbContext context, IClipStorage? storage = null, IPurgeObserver? observer = null, IBotDeparture? bot = null, ClipWalkOrder walk = ClipWalkOrder.Auto)
    {
        var connection = new ClipSaverConnection(Db.ConnectionString);
        var jobs = TestJobs.Client(JobStorage);
        var options = new StaticMonitor<PurgeOptions>(new PurgeOptions
        {
            UndoWindow = Options.UndoWindow,
            Cooldown = Options.Cooldown,
            BatchSize = Options.BatchSize,
            ScanStopTimeout = Options.ScanStopTimeout,
            ClipWalk = walk,
        });
        observer ??= new Observer(null, null);
        var steps = new PurgeSteps(context, connection, new Scans(context, jobs, Clock), new ClipSweep(context, NullLogger<ClipSweep>.Instance),
            new ClipArchive(context, storage ?? Storage), storage ?? Storage, bot ?? new Departure(null), observer, options, Clock);
        var authorSteps = new AuthorPurgeSteps(context, new ClipArchive(context, storage ?? Storage), options, Clock);
        var narrowSteps = new NarrowPurgeSteps(context, new ClipArchive(context, storage ?? Storage), new Scans(context, jobs, Clock), options, Clock);
        return new PurgeJob(context, connection, steps, authorSteps, narrowSteps, observer, jobs, Clock, NullLogger<PurgeJob>.Instance);
    }

    /// <summary>Requests a purge and moves the clock past its undo window; returns the run.</summary>
    protected async Task<PurgeRun> RequestDueAsync(PurgeScope scope, long? channelId = null, string? phrase = null, PurgeFilter? filter = null)
    {
        await using var context = Db.CreateContext();
        var name = channelId is null ? null : await context.Channels.Where(c => c.Id == channelId).Select(c => c.Name).FirstAsync();
        var result = await Request(context).RunAsync(OwnerActor, GuildId, scope, channelId, phrase ?? PurgeScopes.Phrase(scope, name), CancellationToken.None, filter);
        var accepted = Assert.IsType<PurgeResult.Accepted>(result);
        Clock.Advance(Options.UndoWindow);
        return accepted.Run;
    }

    protected async Task RunJobAsync(
        PurgeRun run, Func<string, Task>? afterStep = null, Func<long, CancellationToken, Task>? leave = null, ClipWalkOrder walk = ClipWalkOrder.Auto, Func<Task>? afterClipBatch = null,
        IClipStorage? storage = null)
    {
        await using var context = Db.CreateContext();
        await Job(context, storage, new Observer(afterStep, afterClipBatch), new Departure(leave), walk).RunAsync(run.Id, CancellationToken.None);
    }

    /// <summary>Calls the test's code after a step or a committed batch of clip deletes; an exception there stops the run as a crash would.</summary>
    private sealed class Observer(Func<string, Task>? afterStep, Func<Task>? afterClipBatch) : IPurgeObserver
    {
        public Task StepDoneAsync(long runId, string stepName, TimeSpan elapsed, CancellationToken cancellationToken) => afterStep?.Invoke(stepName) ?? Task.CompletedTask;

        public Task ClipBatchCommittedAsync(long runId, CancellationToken cancellationToken) => afterClipBatch?.Invoke() ?? Task.CompletedTask;
    }

    /// <summary>Discord's side of a guild purge, as the test wants it (nothing, by default).</summary>
    private sealed class Departure(Func<long, CancellationToken, Task>? leave) : IBotDeparture
    {
        public Task LeaveGuildAsync(long guildId, CancellationToken cancellationToken) => leave?.Invoke(guildId, cancellationToken) ?? Task.CompletedTask;
    }

    /// <summary>Every row of every table and every file, as text, for "nothing else changed" comparisons.</summary>
    protected async Task<string> SnapshotAsync(long guildId)
    {
        await using var context = Db.CreateContext();
        var clips = await context.Clips.Where(c => c.GuildId == guildId).OrderBy(c => c.Id)
            .Select(c => $"{c.Id}|{c.ChannelId}|{c.AttachmentId}|{c.SizeBytes}|{c.Sha256}|{c.StorageKey}").ToListAsync();
        var channels = await context.Channels.Where(c => c.GuildId == guildId).OrderBy(c => c.Id)
            .Select(c => $"{c.Id}|{c.Name}|{c.IsReading}|{c.ClipCount}|{c.PurgeCooldownUntil}").ToListAsync();
        var scans = await context.ScanRuns.Where(r => r.GuildId == guildId).OrderBy(r => r.Id).Select(r => $"{r.Id}|{r.Status}").ToListAsync();
        var members = await context.GuildMembers.Where(m => m.GuildId == guildId).OrderBy(m => m.UserId).Select(m => $"{m.UserId}").ToListAsync();
        var files = new List<string>();
        await foreach (var file in Storage.ListAsync(ClipStorageKeys.GuildPrefix(guildId), CancellationToken.None))
        {
            await using var stream = await Storage.OpenReadAsync(file.Key, CancellationToken.None);
            files.Add($"{file.Key}|{Convert.ToHexString(await SHA256.HashDataAsync(stream!))}");
        }

        files.Sort(StringComparer.Ordinal);
        return string.Join("\n", clips.Concat(channels).Concat(scans).Concat(members).Concat(files));
    }

    /// <summary>A channel's clips and files, for "this channel did not change" comparisons.</summary>
    protected async Task<string> ChannelSnapshotAsync(long channelId)
    {
        await using var context = Db.CreateContext();
        var clips = await context.Clips.Where(c => c.ChannelId == channelId).OrderBy(c => c.Id).Select(c => $"{c.Id}|{c.Sha256}").ToListAsync();
        var files = await Storage.ListAsync(ClipStorageKeys.ChannelPrefix(GuildId, channelId), CancellationToken.None).Select(f => $"{f.Key}|{f.SizeBytes}").OrderBy(k => k, StringComparer.Ordinal).ToListAsync();
        return string.Join("\n", clips.Concat(files));
    }
}

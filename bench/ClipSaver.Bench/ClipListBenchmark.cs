using ClipSaver.Core.Access;
using ClipSaver.Core.Clips;
using ClipSaver.Core.Discord;
using Microsoft.Extensions.Caching.Memory;

namespace ClipSaver.Bench;

/// <summary>
/// The clip browser's queries on a guild of many clips (default 1,000,000 in 100 channels): for each order, the first
/// page with its total, then "load more" pages one after another, through the same use case the page and the API call
/// (<see cref="ListClips"/>). Also one channel's, one author's and a date range's first page, and searches of the file
/// name that match 100 clips, a tenth of one channel, a tenth of the guild and every clip. Prints p50/p99 per kind.
/// </summary>
public static class ClipListBenchmark
{
    private const long Guild = 900_000_000_000_000_001;
    private const int PageSize = 24;

    public static async Task<int> RunAsync(string[] args)
    {
        var channels = PurgeBenchmark.Arg(args, "--channels", 100);
        var perChannel = PurgeBenchmark.Arg(args, "--clips-per-channel", 10_000);
        var rounds = PurgeBenchmark.Arg(args, "--rounds", 50);
        var pages = PurgeBenchmark.Arg(args, "--pages", 10);

        var root = Path.Combine(Path.GetTempPath(), $"clipsaver-bench-{Environment.ProcessId}");
        Directory.CreateDirectory(root);
        using var cluster = LocalPostgresCluster.Start(Path.Combine(root, "data"), forTests: true);
        try
        {
            cluster.CreateDatabaseIfMissing("bench_clips");
            var cs = cluster.ConnectionString("bench_clips");
            await DatabaseMigrator.MigrateAsync(cs, CancellationToken.None);
            var seed = Stopwatch.StartNew();
            await SeedAsync(cs, channels, perChannel);
            Console.WriteLine($"{Environment.ProcessorCount} cores; {channels} channels x {perChannel:N0} clips = {channels * (long)perChannel:N0} clips, seeded in {seed.Elapsed.TotalSeconds:0} s");
            Console.WriteLine($"{rounds} rounds; each: a first page of {PageSize} with its total, then {pages} load-more pages, per order");

            var options = new DbContextOptionsBuilder<ClipSaverDbContext>();
            DatabaseSetup.ConfigureNpgsql(options, cs);
            var times = new Dictionary<string, List<double>>();
            void Add(string kind, double ms) => (times.TryGetValue(kind, out var list) ? list : times[kind] = []).Add(ms);

            var middle = DateOnly.FromDateTime(DateTime.UtcNow.AddDays(-200));
            // Round 0 warms up (EF Core's model, the JIT, PostgreSQL's caches) and is not counted.
            for (var round = -1; round < rounds; round++)
            {
                Action<string, double> record = round >= 0 ? Add : (_, _) => { };
                foreach (var sort in Enum.GetValues<ClipSort>())
                {
                    await PageThroughAsync(options.Options, new ClipFilter(Sort: sort), pages, $"{sort}", record);
                }

                // Filters: a channel (1 % of the clips), an author (0.1 %), a month.
                await PageThroughAsync(options.Options, new ClipFilter(ChannelId: 700_000_000_000_000_001 + (round + channels) % channels), pages, "channel, newest", record);
                await PageThroughAsync(options.Options, new ClipFilter(ChannelId: 700_000_000_000_000_001 + (round + channels) % channels, Sort: ClipSort.Largest), pages, "channel, largest", record);
                await PageThroughAsync(options.Options, new ClipFilter(AuthorId: 800_000_000_000_000_002 + round), 1, "author, newest", record);
                await PageThroughAsync(options.Options, new ClipFilter(From: middle, To: middle.AddDays(30)), 1, "a month, newest", record);

                // Searches (a piece of the file name, any case): 100 clips, 1,000 in one channel, 100,000, and every clip.
                await PageThroughAsync(options.Options, new ClipFilter(Search: $"_{4000 + round}."), pages, "search 0.01 %, newest", record);
                await PageThroughAsync(options.Options, new ClipFilter(ChannelId: 700_000_000_000_000_001 + (round + channels) % channels, Search: "valorant"), pages,
                    "search 10 % in a channel, newest", record);
                await PageThroughAsync(options.Options, new ClipFilter(Search: "VALORANT"), pages, "search 10 %, newest", record);
                await PageThroughAsync(options.Options, new ClipFilter(Search: "valorant", Sort: ClipSort.Largest), pages, "search 10 %, largest", record);
                await PageThroughAsync(options.Options, new ClipFilter(Search: ".mp4"), pages, "search 100 %, newest", record);
            }

            Console.WriteLine();
            Console.WriteLine($"{"kind",-38} {"count",7} {"p50 ms",8} {"p99 ms",8}");
            foreach (var (kind, list) in times)
            {
                var (p50, p99, count) = PurgeBenchmark.Percentiles(list);
                Console.WriteLine($"{kind,-38} {count,7} {p50,8:0.0} {p99,8:0.0}");
            }
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            cluster.Dispose();
            Directory.Delete(root, recursive: true);
        }

        return 0;
    }

    /// <summary>A first page with its total, timed as one answer, then load-more pages, each timed on its own; a fresh context each, as per request.</summary>
    private static async Task PageThroughAsync(DbContextOptions<ClipSaverDbContext> options, ClipFilter filter, int pages, string name, Action<string, double> add)
    {
        string? cursor = null;
        for (var page = 0; page <= pages; page++)
        {
            var watch = Stopwatch.StartNew();
            await using var db = new ClipSaverDbContext(options);
            var access = new GuildAccess(db, new DiscordRestClient(new HttpClient()), new MemoryCache(new MemoryCacheOptions()),
                new PurgeBenchmark.Monitor<AccessOptions>(new AccessOptions()), NullLogger<GuildAccess>.Instance);
            var list = new ListClips(db, access);
            var result = (ListClipsResult.Listed)await list.ListAsync(Actor.System, Guild, filter with { Cursor = cursor }, PageSize, CancellationToken.None);
            if (page == 0)
            {
                _ = await list.CountAsync(Actor.System, Guild, filter, CancellationToken.None);
            }

            add(page == 0 ? $"{name}: first page + total" : $"{name}: load more", watch.Elapsed.TotalMilliseconds);
            if (result.Clips.Count != PageSize && result.NextCursor is not null)
            {
                throw new InvalidOperationException("A full page was expected.");
            }

            cursor = result.NextCursor;
            if (cursor is null)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Rows with generate_series: clips spread over about two years, sizes from 1 kB to 50 MB, 1,000 authors, file names
    /// of ten games in turn ("Valorant_4242.mp4": each game a tenth, each number once per channel).
    /// </summary>
    private static async Task SeedAsync(string cs, int channels, int perChannel)
    {
        await PurgeBenchmark.ExecAsync(cs, $"""
            INSERT INTO users (id, username, created_at) SELECT 800000000000000000 + i, 'user' || i, now() FROM generate_series(1, 1000) i;
            INSERT INTO guilds (id, name, owner_id, created_at) VALUES ({Guild}, 'Big', 800000000000000001, now());
            INSERT INTO channels (id, guild_id, name, type, position, nsfw, is_thread, is_reading, backfill_complete, clip_count, clip_bytes)
                SELECT 700000000000000000 + c, {Guild}, 'channel-' || c, 0, c, false, false, true, true, {perChannel}, 0 FROM generate_series(1, {channels}) c;
            """);
        for (var c = 1; c <= channels; c++)
        {
            await PurgeBenchmark.ExecAsync(cs, $"""
                INSERT INTO clips (guild_id, channel_id, message_id, source, attachment_id, author_id, file_name, content_type, size_bytes, discord_clip_flag,
                    posted_at, archived_at, storage_key, sha256)
                SELECT {Guild}, 700000000000000000 + {c}, 600000000000000000 + {c}::bigint * 10000000 + i, 'attachment', 500000000000000000 + {c}::bigint * 10000000 + i,
                    800000000000000001 + ((i * 7 + {c}) % 1000),
                    (ARRAY['Valorant', 'Apex Legends', 'Minecraft', 'Fortnite', 'Rocket League', 'Overwatch 2', 'Counter-Strike 2', 'Halo', 'Elden Ring', 'Clip'])[1 + i % 10] || '_' || i || '.mp4',
                    'video/mp4', 1000 + ((i::bigint * 7919 + {c} * 104729) % 50000000), false,
                    now() - (((i * {channels} + {c}) % 1051200) || ' minutes')::interval, now(),
                    {Guild} || '/' || {c} || '/' || i || '.mp4', repeat('a', 64)
                FROM generate_series(1, {perChannel}) i
                """);
        }

        await PurgeBenchmark.ExecAsync(cs, "VACUUM ANALYZE");
    }
}

using ClipSaver.Core;
using ClipSaver.Core.Access;
using ClipSaver.Core.Archive;
using ClipSaver.Core.Discord;
using ClipSaver.Core.Purging;
using ClipSaver.Core.Scanning;
using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;

namespace ClipSaver.Bench;

/// <summary>
/// Purges on the local PostgreSQL: one channel of many clips, and a guild of many channels. The same rows are deleted
/// with plain SQL on an identical copy for the lower bound. While the purge runs, the queries of the guild overview
/// page run in a loop for the purged guild and for another guild, and their latencies are recorded.
/// </summary>
public static class PurgeBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var channelClips = Arg(args, "--channel-clips", 1_000_000);
        var channels = Arg(args, "--channels", 100);
        var perChannel = Arg(args, "--clips-per-channel", 20_000);
        var batch = Arg(args, "--batch", new PurgeOptions().BatchSize);
        var repeat = Arg(args, "--repeat", 3);

        var root = Path.Combine(Path.GetTempPath(), $"clipsaver-bench-{Environment.ProcessId}");
        Directory.CreateDirectory(root);
        using var cluster = LocalPostgresCluster.Start(Path.Combine(root, "data"), forTests: true);
        try
        {
            Console.WriteLine($"{Environment.ProcessorCount} cores; batch size {batch}; each side {repeat} times, medians");
            await RunScenarioAsync(cluster, root, "one channel", 1, channelClips, PurgeScope.Channel, batch, repeat);
            await RunScenarioAsync(cluster, root, "whole guild", channels, perChannel, PurgeScope.Guild, batch, repeat);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            cluster.Dispose();
            Directory.Delete(root, recursive: true);
        }

        return 0;
    }

    /// <summary>
    /// Each repetition works on fresh copies of the seeded database: the plain deletes, then the purge alone, then the
    /// purge under page load. The two sides alternate, so a busy moment of the machine falls on both alike.
    /// </summary>
    private static async Task RunScenarioAsync(LocalPostgresCluster cluster, string root, string name, int channels, int perChannel, PurgeScope scope, int batch, int repeat)
    {
        var database = $"bench_{scope.ToString().ToLowerInvariant()}";
        cluster.CreateDatabaseIfMissing(database);
        var cs = cluster.ConnectionString(database);
        await DatabaseMigrator.MigrateAsync(cs, CancellationToken.None);

        var seed = Stopwatch.StartNew();
        var (target, other, firstChannel) = await SeedAsync(cs, channels, perChannel);
        Console.WriteLine();
        Console.WriteLine($"== {name}: {channels} channel(s) x {perChannel:N0} clips = {channels * (long)perChannel:N0} clips (+ another guild of 10 x 10,000); seeded in {seed.Elapsed.TotalSeconds:0.0} s");

        var lower = new List<double>();
        var alone = new List<(double Seconds, PurgeReport Report)>();
        var loaded = new List<(double Seconds, PurgeReport Report, double TargetP50, double TargetP99, double OtherP50, double OtherP99)>();
        for (var i = 0; i < repeat; i++)
        {
            lower.Add(await OnCopyAsync(cluster, database, "plain", copy => PlainDeleteAsync(copy, target, scope == PurgeScope.Channel ? firstChannel : null)));

            // The ratio compares like with like: the purge alone, against the plain deletes alone.
            var (aloneTime, aloneReport, _) = await OnCopyAsync(cluster, database, "alone",
                copy => PurgeAsync(copy, Path.Combine(root, $"clips-alone-{database}-{i}"), target, firstChannel, scope, batch, measurePages: false, log: i == 0));
            alone.Add((aloneTime.TotalSeconds, aloneReport));

            // The purge again while the overview page of both guilds is loaded in a loop.
            var (loadedTime, report, pages) = await OnCopyAsync(cluster, database, "loaded",
                copy => PurgeAsync(copy, Path.Combine(root, $"clips-loaded-{database}-{i}"), target, firstChannel, scope, batch, measurePages: true, log: false, other));
            var (targetP50, targetP99, _) = Percentiles(pages.Target);
            var (otherP50, otherP99, _) = Percentiles(pages.Other);
            loaded.Add((loadedTime.TotalSeconds, report, targetP50, targetP99, otherP50, otherP99));
            Console.WriteLine($"  run {i + 1}: plain {lower[^1],6:0.00} s, purge {aloneTime.TotalSeconds,6:0.00} s ({aloneTime.TotalSeconds / lower[^1]:0.00} x), "
                + $"under load {loadedTime.TotalSeconds,6:0.00} s, longest transaction {report.LongestTransactionMs} ms, page p99 {targetP99:0.0} / {otherP99:0.0} ms");
        }

        var median = alone.OrderBy(a => a.Seconds).ElementAt(repeat / 2);
        Console.WriteLine($"purge job (median):    {median.Seconds,8:0.00} s  ({median.Report.ClipsDeleted:N0} clips, {median.Report.RowsDeleted.Values.Sum():N0} rows)");
        Console.WriteLine($"  steps (ms):          {string.Join(", ", median.Report.TimingsMs.Select(t => $"{t.Key} {t.Value}"))}");
        Console.WriteLine($"plain SQL (median):    {Median(lower),8:0.00} s");
        Console.WriteLine($"ratio of the medians:  {median.Seconds / Median(lower),8:0.00} x   (goal: at most 1.5)");
        Console.WriteLine($"purge under page load: {Median(loaded.Select(l => l.Seconds)),8:0.00} s (median)");
        Console.WriteLine($"longest transaction:   {loaded.Concat(alone.Select(a => (a.Seconds, a.Report, 0.0, 0.0, 0.0, 0.0))).Max(l => l.Report.LongestTransactionMs),8} ms  (of all runs; goal: under 1000)");
        Console.WriteLine($"purged guild's page:   p50 {Median(loaded.Select(l => l.TargetP50)),6:0.0} ms  p99 {Median(loaded.Select(l => l.TargetP99)),6:0.0} ms  (medians over the runs; goal: p99 under 50)");
        Console.WriteLine($"another guild's page:  p50 {Median(loaded.Select(l => l.OtherP50)),6:0.0} ms  p99 {Median(loaded.Select(l => l.OtherP99)),6:0.0} ms  (medians over the runs; goal: p99 under 50)");
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    /// <summary>Runs <paramref name="work"/> on a fresh copy of the seeded database, dropped afterwards.</summary>
    private static async Task<T> OnCopyAsync<T>(LocalPostgresCluster cluster, string database, string name, Func<string, Task<T>> work)
    {
        var copy = $"{database}_{name}";
        NpgsqlConnection.ClearAllPools();
        await ExecAsync(cluster.ConnectionString("postgres"), $"DROP DATABASE IF EXISTS {copy} WITH (FORCE)");
        await ExecAsync(cluster.ConnectionString("postgres"), $"CREATE DATABASE {copy} TEMPLATE {database}");
        try
        {
            return await work(cluster.ConnectionString(copy));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await ExecAsync(cluster.ConnectionString("postgres"), $"DROP DATABASE IF EXISTS {copy} WITH (FORCE)");
        }
    }

    private static async Task<(TimeSpan Elapsed, PurgeReport Report, (List<double> Target, List<double> Other) Pages)> PurgeAsync(
        string cs, string storageRoot, long target, long firstChannel, PurgeScope scope, int batch, bool measurePages, bool log, long other = 0)
    {
        var options = new DbContextOptionsBuilder<ClipSaverDbContext>();
        DatabaseSetup.ConfigureNpgsql(options, cs);
        Directory.CreateDirectory(storageRoot);
        var jobStorage = new PostgreSqlStorage(new NpgsqlConnectionFactory(cs, new PostgreSqlStorageOptions { SchemaName = DatabaseMigrator.HangfireSchema }),
            new PostgreSqlStorageOptions { SchemaName = DatabaseMigrator.HangfireSchema, PrepareSchemaIfNecessary = false });
        var jobs = new BackgroundJobClient(jobStorage);
        var purgeOptions = new Monitor<PurgeOptions>(new PurgeOptions { UndoWindow = TimeSpan.Zero, BatchSize = batch });
        PurgeRun run;
        await using (var db = new ClipSaverDbContext(options.Options))
        {
            var channelName = scope == PurgeScope.Channel ? await db.Channels.Where(c => c.Id == firstChannel).Select(c => c.Name).FirstAsync() : null;
            // Requested by ClipSaver itself, which needs no Discord: the access service is never asked.
            var access = new GuildAccess(db, new DiscordRestClient(new HttpClient()), new MemoryCache(new MemoryCacheOptions()), new Monitor<AccessOptions>(new AccessOptions()), NullLogger<GuildAccess>.Instance);
            var result = await new RequestPurge(db, access, jobs, purgeOptions, TimeProvider.System)
                .RunAsync(Actor.System, target, scope, scope == PurgeScope.Channel ? firstChannel : null, PurgeScopes.Phrase(scope, channelName), CancellationToken.None);
            run = ((PurgeResult.Accepted)result).Run;
        }

        using var stop = new CancellationTokenSource();
        var targetLatencies = measurePages ? MeasurePageAsync(options.Options, target, stop.Token) : Task.FromResult(new List<double>());
        var otherLatencies = measurePages ? MeasurePageAsync(options.Options, other, stop.Token) : Task.FromResult(new List<double>());
        var watch = Stopwatch.StartNew();
        await using (var db = new ClipSaverDbContext(options.Options))
        {
            var connection = new ClipSaverConnection(cs);
            var storage = new LocalFolderClipStorage(Options.Create(new StorageOptions { Root = storageRoot }));
            var observer = new PurgeLog(log ? new ConsoleLogger<PurgeLog>() : NullLogger<PurgeLog>.Instance);
            var steps = new PurgeSteps(db, connection, new Scans(db, jobs, TimeProvider.System),
                new ClipSweep(db, log ? new ConsoleLogger<ClipSweep>() : NullLogger<ClipSweep>.Instance), new ClipArchive(db, storage), storage,
                new NoDiscord(), observer, purgeOptions, TimeProvider.System);
            var authorSteps = new AuthorPurgeSteps(db, new ClipArchive(db, storage), purgeOptions, TimeProvider.System);
            var narrowSteps = new NarrowPurgeSteps(db, new ClipArchive(db, storage), new Scans(db, jobs, TimeProvider.System), purgeOptions, TimeProvider.System);
            await new PurgeJob(db, connection, steps, authorSteps, narrowSteps, observer, jobs, TimeProvider.System, NullLogger<PurgeJob>.Instance).RunAsync(run.Id, CancellationToken.None);
        }

        var elapsed = watch.Elapsed;
        await stop.CancelAsync();
        var pages = (await targetLatencies, await otherLatencies);
        await using (var db = new ClipSaverDbContext(options.Options))
        {
            var done = await db.PurgeRuns.AsNoTracking().FirstAsync(p => p.Id == run.Id);
            var report = PurgeReport.Parse(done.ReportJson);
            if (done.Status != PurgeStatus.Completed || report.VerificationOk != true)
            {
                throw new InvalidOperationException($"The purge did not complete cleanly: {done.Status}, {done.Error}");
            }

            return (elapsed, report, pages);
        }
    }

    /// <summary>Rows with generate_series: guild, channels, authors, clips (no files; file deletion is by prefix and not what is measured here).</summary>
    private static async Task<(long Target, long Other, long FirstChannel)> SeedAsync(string cs, int channels, int perChannel)
    {
        const long target = 900_000_000_000_000_001, other = 900_000_000_000_000_002;
        await ExecAsync(cs, $"""
            INSERT INTO users (id, username, created_at) SELECT 800000000000000000 + i, 'user' || i, now() FROM generate_series(1, 1000) i;
            INSERT INTO guilds (id, name, owner_id, created_at) VALUES ({target}, 'Target', 800000000000000001, now()), ({other}, 'Other', 800000000000000002, now());
            INSERT INTO guild_members (guild_id, user_id, first_seen_at, last_seen_at)
                SELECT g, 800000000000000000 + i, now(), now() FROM unnest(ARRAY[{target}, {other}]::bigint[]) g, generate_series(1, 1000) i;
            INSERT INTO channels (id, guild_id, name, type, position, nsfw, is_thread, is_reading, backfill_complete, clip_count, clip_bytes)
                SELECT 700000000000000000 + c, {target}, 'channel-' || c, 0, c, false, false, true, true, {perChannel}, {perChannel}::bigint * 1000000 FROM generate_series(1, {channels}) c;
            INSERT INTO channels (id, guild_id, name, type, position, nsfw, is_thread, is_reading, backfill_complete, clip_count, clip_bytes)
                SELECT 710000000000000000 + c, {other}, 'other-' || c, 0, c, false, false, true, true, 10000, 10000::bigint * 1000000 FROM generate_series(1, 10) c;
            INSERT INTO scan_runs (guild_id, channel_id, kind, status, created_at, finished_at, messages_read, clips_found, files_stored, bytes_stored)
                SELECT {target}, 700000000000000000 + c, 'backfill', 'completed', now() - interval '1 hour', now(), 0, 0, 0, 0 FROM generate_series(1, {channels}) c;
            """);
        for (var c = 1; c <= channels; c++)
        {
            await InsertClipsAsync(cs, target, 700_000_000_000_000_000 + c, perChannel, c);
        }

        for (var c = 1; c <= 10; c++)
        {
            await InsertClipsAsync(cs, other, 710_000_000_000_000_000 + c, 10_000, 1000 + c);
        }

        await ExecAsync(cs, "INSERT INTO clip_days (guild_id, channel_id, day, clips) SELECT guild_id, channel_id, (archived_at AT TIME ZONE 'UTC')::date, count(*) FROM clips GROUP BY 1, 2, 3");
        await ExecAsync(cs, "VACUUM ANALYZE");
        return (target, other, 700_000_000_000_000_001);
    }

    private static Task InsertClipsAsync(string cs, long guild, long channel, int count, int salt) => ExecAsync(cs, $"""
        INSERT INTO clips (guild_id, channel_id, message_id, source, attachment_id, author_id, file_name, content_type, size_bytes, discord_clip_flag,
            posted_at, archived_at, storage_key, sha256)
        SELECT {guild}, {channel}, 600000000000000000 + {salt}::bigint * 10000000 + i, 'attachment', 500000000000000000 + {salt}::bigint * 10000000 + i,
            800000000000000001 + (i % 1000), 'clip' || i || '.mp4', 'video/mp4', 1000000, false,
            now() - (i || ' minutes')::interval, now() - ((i % 40000) || ' minutes')::interval,
            {guild} || '/' || {channel} || '/' || (500000000000000000 + {salt}::bigint * 10000000 + i) || '.mp4', repeat('a', 64)
        FROM generate_series(1, {count}) i
        """);

    private static async Task<double> PlainDeleteAsync(string cs, long guild, long? channel)
    {
        var sql = channel is { } c
            ? $"DELETE FROM clips WHERE channel_id = {c}; DELETE FROM scan_runs WHERE channel_id = {c}; DELETE FROM clip_days WHERE channel_id = {c};"
            : $"""
              DELETE FROM clips WHERE guild_id = {guild}; DELETE FROM scan_runs WHERE guild_id = {guild}; DELETE FROM guild_members WHERE guild_id = {guild}; DELETE FROM clip_days WHERE guild_id = {guild};
              DELETE FROM channels WHERE guild_id = {guild}; DELETE FROM guild_settings WHERE guild_id = {guild};
              """;
        var watch = Stopwatch.StartNew();
        await ExecAsync(cs, sql);
        return watch.Elapsed.TotalSeconds;
    }

    /// <summary>The guild overview page's queries (totals from the channel rows, recent scans, audit events, the per-day chart).</summary>
    private static async Task<List<double>> MeasurePageAsync(DbContextOptions<ClipSaverDbContext> options, long guildId, CancellationToken stop)
    {
        var latencies = new List<double>();
        var since = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-27);
        while (!stop.IsCancellationRequested)
        {
            var watch = Stopwatch.StartNew();
            await using (var db = new ClipSaverDbContext(options))
            {
                await db.Channels.Where(c => c.GuildId == guildId).GroupBy(_ => 1)
                    .Select(g => new { Clips = g.Sum(c => c.ClipCount), Bytes = g.Sum(c => c.ClipBytes), Reading = g.Count(c => c.IsReading) }).FirstOrDefaultAsync(CancellationToken.None);
                await db.ScanRuns.AsNoTracking().Where(r => r.GuildId == guildId).OrderByDescending(r => r.CreatedAt).Take(8).ToListAsync(CancellationToken.None);
                await db.AuditEvents.AsNoTracking().Where(a => a.GuildId == guildId).OrderByDescending(a => a.CreatedAt).Take(12).ToListAsync(CancellationToken.None);
                await db.ClipDays.Where(d => d.GuildId == guildId && d.Day >= since).GroupBy(d => d.Day)
                    .Select(g => new { g.Key, Count = g.Sum(d => d.Clips) }).ToListAsync(CancellationToken.None);
            }

            latencies.Add(watch.Elapsed.TotalMilliseconds);
            await Task.Delay(20, CancellationToken.None);
        }

        return latencies;
    }

    internal static (double P50, double P99, int Count) Percentiles(List<double> values)
    {
        if (values.Count == 0)
        {
            return (0, 0, 0);
        }

        values.Sort();
        double At(double q) => values[Math.Min(values.Count - 1, (int)Math.Ceiling(q * values.Count) - 1)];
        return (At(0.50), At(0.99), values.Count);
    }

    internal static async Task ExecAsync(string cs, string sql)
    {
        await using var connection = new NpgsqlConnection(cs);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await cmd.ExecuteNonQueryAsync();
    }

    internal static int Arg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    /// <summary>Prints the job's log lines (steps, how the clips were walked) for the run that gives the ratio.</summary>
    private sealed class ConsoleLogger<T> : ILogger<T>
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Console.WriteLine($"  log: {formatter(state, exception)}");
    }

    /// <summary>The benchmark has no Discord: the bot's departure is a no-op.</summary>
    private sealed class NoDiscord : IBotDeparture
    {
        public Task LeaveGuildAsync(long guildId, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    internal sealed class Monitor<T>(T value) : IOptionsMonitor<T>
    {
        public T CurrentValue => value;

        public T Get(string? name) => value;

        public IDisposable? OnChange(Action<T, string?> listener) => null;
    }
}

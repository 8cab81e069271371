using ClipSaver.Core.Database;

namespace ClipSaver.Tests.Foundation;

public sealed class DatabaseTests
{
    [Fact]
    public async Task The_model_has_no_changes_missing_from_the_migrations()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var context = db.CreateContext();

        Assert.False(context.Database.HasPendingModelChanges(), "Run 'dotnet ef migrations add' for the model changes.");
        Assert.Empty(await context.Database.GetPendingMigrationsAsync());
    }

    [Fact]
    public async Task Two_instances_migrating_an_empty_database_at_once_both_succeed_and_leave_one_schema()
    {
        var cluster = await TestDatabase.GetClusterAsync();
        var name = "race_" + Guid.NewGuid().ToString("N")[..8];
        cluster.CreateDatabaseIfMissing(name);
        var connectionString = cluster.ConnectionString(name);

        // The app's start-up path (DatabaseMigrator), as two instances would run it.
        async Task MigrateAsync()
        {
            var services = new ServiceCollection();
            services.AddSingleton(new ClipSaverConnection(connectionString));
            services.AddDbContext<ClipSaverDbContext>(o => DatabaseSetup.ConfigureNpgsql(o, connectionString));
            await using var provider = services.BuildServiceProvider();
            await DatabaseMigrator.MigrateAsync(provider, CancellationToken.None);
        }

        await Task.WhenAll(MigrateAsync(), MigrateAsync());

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM __ef_migrations_history", connection);
        var options2 = new DbContextOptionsBuilder<ClipSaverDbContext>();
        DatabaseSetup.ConfigureNpgsql(options2, connectionString);
        await using var check = new ClipSaverDbContext(options2.Options);
        Assert.Equal((long)check.Database.GetMigrations().Count(), (long)(await count.ExecuteScalarAsync())!);
        Assert.Empty(await check.Database.GetPendingMigrationsAsync());
    }

    [Fact]
    public async Task Snowflakes_and_enums_are_stored_as_bigint_and_snake_case_text()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using (var context = db.CreateContext())
        {
            context.Guilds.Add(new Guild { Id = 1_234_567_890_123_456_789, Name = "g", CreatedAt = DateTimeOffset.UtcNow });
            context.PurgeRuns.Add(new PurgeRun
            {
                GuildId = 1_234_567_890_123_456_789,
                Scope = PurgeScope.AllChannels,
                Status = PurgeStatus.Scheduled,
                RequestedAt = DateTimeOffset.UtcNow,
                NotBefore = DateTimeOffset.UtcNow,
            });
            await context.SaveChangesAsync();
        }

        await using var connection = new NpgsqlConnection(db.ConnectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT scope, pg_typeof(guild_id)::text FROM purge_runs", connection);
        await using var reader = await cmd.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal("all_channels", reader.GetString(0));
        Assert.Equal("bigint", reader.GetString(1));
    }
}

public sealed class LocalPostgresTests
{
    [Fact]
    public void Without_server_binaries_start_up_stops_with_one_sentence_saying_what_to_do()
    {
        var empty = Directory.CreateTempSubdirectory("clipsaver-nobin-").FullName;
        try
        {
            var error = Assert.Throws<LocalPostgresUnavailableException>(
                () => LocalPostgresCluster.Start(Path.Combine(empty, "data"), false, null, searchPath: empty, debianRoot: Path.Combine(empty, "none")));

            Assert.Contains("apt-get install postgresql", error.Message, StringComparison.Ordinal);
            Assert.Contains("ConnectionStrings__ClipSaver", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
    }

    [Fact]
    public async Task A_new_cluster_starts_creates_a_database_is_reused_while_running_and_stops_with_its_owner()
    {
        var root = Directory.CreateTempSubdirectory("clipsaver-cluster-").FullName;
        try
        {
            var dataDirectory = Path.Combine(root, "data");
            var first = LocalPostgresCluster.Start(dataDirectory, forTests: true);
            first.CreateDatabaseIfMissing("app");
            first.CreateDatabaseIfMissing("app");

            // A second instance attaches to the running server instead of failing, and does not stop it.
            var second = LocalPostgresCluster.Start(dataDirectory, forTests: true);
            second.Dispose();
            await using (var connection = new NpgsqlConnection(first.ConnectionString("app")))
            {
                await connection.OpenAsync();
                await using var cmd = new NpgsqlCommand("SELECT current_database()", connection);
                Assert.Equal("app", await cmd.ExecuteScalarAsync());
            }

            NpgsqlConnection.ClearAllPools();
            first.Dispose();
            Assert.False(first.IsRunning());
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task A_test_cluster_stops_and_its_folder_goes_when_the_process_it_watches_is_killed()
    {
        // What a test host killed by its runner leaves: no exit handler ran, the watcher stops the server anyway.
        var root = Directory.CreateTempSubdirectory("clipsaver-watched-").FullName;
        using var owner = Process.Start(new ProcessStartInfo("sleep", ["600"]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var cluster = LocalPostgresCluster.Start(Path.Combine(root, "data"), forTests: true);
        try
        {
            cluster.StopWhenProcessEnds(owner.Id, thenDelete: root);
            await Task.Delay(TimeSpan.FromSeconds(2));
            Assert.True(cluster.IsRunning(), "The server stopped while the process it watches was still there.");

            owner.Kill();
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (Directory.Exists(root) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(250);
            }

            Assert.False(Directory.Exists(root), "The watched process was killed, but the server's folder is still there after 60 s.");
            Assert.False(cluster.IsRunning());
        }
        finally
        {
            owner.Kill();
            NpgsqlConnection.ClearAllPools();
            cluster.Dispose();
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }
}

using ClipSaver.Core.Database;

namespace ClipSaver.Tests.Infrastructure;

/// <summary>
/// One PostgreSQL cluster per test run, started with the app's own launcher in a temporary folder. The schema is
/// migrated once into a template database; every test gets a fresh database cloned from it, so no test sees
/// another's data and tests may run in parallel.
/// </summary>
public static class TestDatabase
{
    private const string TemplateName = "clipsaver_template";
    private static readonly Lazy<Task<LocalPostgresCluster>> Cluster = new(StartAsync);
    private static int _counter;

    public static async Task<TestDb> CreateAsync()
    {
        var cluster = await Cluster.Value;
        var name = $"t{Environment.ProcessId}_{Interlocked.Increment(ref _counter)}";
        await using (var connection = new NpgsqlConnection(cluster.ConnectionString("postgres")))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\" TEMPLATE {TemplateName}", connection);
            await create.ExecuteNonQueryAsync();
        }

        return new TestDb(cluster, name, cluster.ConnectionString(name));
    }

    public static async Task<LocalPostgresCluster> GetClusterAsync() => await Cluster.Value;

    private static async Task<LocalPostgresCluster> StartAsync()
    {
        var root = Path.Combine(Path.GetTempPath(), $"clipsaver-tests-{Environment.ProcessId}");
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }

        Directory.CreateDirectory(root);
        var cluster = LocalPostgresCluster.Start(Path.Combine(root, "data"), forTests: true);
        // The test runner may kill this process once the tests are done, before ProcessExit has stopped the server.
        cluster.StopWhenProcessEnds(Environment.ProcessId, thenDelete: root);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            cluster.Dispose();
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
                // A server still shutting down can hold files for a moment; the OS cleans temp folders.
            }
        };

        cluster.CreateDatabaseIfMissing(TemplateName);
        await DatabaseMigrator.MigrateAsync(cluster.ConnectionString(TemplateName), CancellationToken.None);

        // CREATE DATABASE ... TEMPLATE fails while anyone is connected to the template.
        NpgsqlConnection.ClearAllPools();
        return cluster;
    }
}

public sealed class TestDb(LocalPostgresCluster cluster, string name, string connectionString) : IAsyncDisposable
{
    public string Name { get; } = name;
    public string ConnectionString { get; } = connectionString;

    public ClipSaverDbContext CreateContext()
    {
        var options = new DbContextOptionsBuilder<ClipSaverDbContext>();
        DatabaseSetup.ConfigureNpgsql(options, ConnectionString);
        return new ClipSaverDbContext(options.Options);
    }

    public async ValueTask DisposeAsync()
    {
        await using var connection = new NpgsqlConnection(cluster.ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}

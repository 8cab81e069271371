using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace ClipSaver.Core.Database;

public static class DatabaseSetup
{
    public const string ConnectionStringName = "ClipSaver";
    public const string LocalDatabaseName = "clipsaver";

    /// <summary>
    /// The configured connection string, or, outside Production, the connection string of a local cluster started
    /// for this process. Production without a connection string is an error: it must never invent a database.
    /// </summary>
    public static string ResolveConnectionString(IHostApplicationBuilder builder, out LocalPostgresCluster? startedCluster)
    {
        startedCluster = null;
        var configured = builder.Configuration.GetConnectionString(ConnectionStringName);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }

        if (builder.Environment.IsProduction())
        {
            throw new InvalidOperationException(
                "No database is configured. Set 'ConnectionStrings:ClipSaver' (environment variable ConnectionStrings__ClipSaver). " +
                "A local PostgreSQL is started automatically only outside Production.");
        }

        var dataDirectory = builder.Configuration["ClipSaver:LocalDatabase:DataDirectory"];
        if (string.IsNullOrWhiteSpace(dataDirectory))
        {
            dataDirectory = LocalPostgresCluster.DefaultDataDirectory();
        }

        startedCluster = LocalPostgresCluster.Start(dataDirectory);
        startedCluster.CreateDatabaseIfMissing(LocalDatabaseName);
        return startedCluster.ConnectionString(LocalDatabaseName);
    }

    public static void ConfigureNpgsql(DbContextOptionsBuilder options, string connectionString) =>
        options.UseNpgsql(connectionString, npgsql => npgsql.MigrationsHistoryTable("__ef_migrations_history"))
            .UseSnakeCaseNamingConvention();
}

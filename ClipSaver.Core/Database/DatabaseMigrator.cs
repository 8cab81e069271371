using Hangfire.PostgreSql;

namespace ClipSaver.Core.Database;

public static class DatabaseMigrator
{
    public const string HangfireSchema = "hangfire";

    /// <summary>
    /// Applies EF Core migrations and Hangfire's schema under one session advisory lock, so that two instances
    /// starting at once run one after the other: the second finds nothing left to do. (EF Core's own migration
    /// lock covers each migration's transaction, not the whole sequence.)
    /// </summary>
    public static async Task MigrateAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var connectionString = scope.ServiceProvider.GetRequiredService<ClipSaverConnection>().ConnectionString;
        await MigrateAsync(scope.ServiceProvider.GetRequiredService<ClipSaverDbContext>(), connectionString, cancellationToken);
    }

    /// <summary>The same outside the app (the tests' template database, the benchmarks): a context on the connection string alone.</summary>
    public static async Task MigrateAsync(string connectionString, CancellationToken cancellationToken)
    {
        var options = new DbContextOptionsBuilder<ClipSaverDbContext>();
        DatabaseSetup.ConfigureNpgsql(options, connectionString);
        await using var db = new ClipSaverDbContext(options.Options);
        await MigrateAsync(db, connectionString, cancellationToken);
    }

    private static async Task MigrateAsync(ClipSaverDbContext db, string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock(hashtextextended('clipsaver:migrate', 0))", connection))
        {
            await take.ExecuteNonQueryAsync(cancellationToken);
        }

        try
        {
            await db.Database.MigrateAsync(cancellationToken);
            PostgreSqlObjectsInstaller.Install(connection, HangfireSchema);
        }
        finally
        {
            await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock(hashtextextended('clipsaver:migrate', 0))", connection);
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }
}

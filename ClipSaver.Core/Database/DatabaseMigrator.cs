using ClipSaver.Core.Data;
using Hangfire.PostgreSql;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ClipSaver.Core.Database;

public static class DatabaseMigrator
{
    public const string HangfireSchema = "hangfire";

    /// <summary>
    /// Applies EF Core migrations and Hangfire's schema. Both take a database lock while they work, so two
    /// instances starting at once wait for each other instead of corrupting the schema.
    /// </summary>
    public static async Task MigrateAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ClipSaverDbContext>();
        await db.Database.MigrateAsync(cancellationToken);

        var connectionString = scope.ServiceProvider.GetRequiredService<ClipSaverConnection>().ConnectionString;
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        PostgreSqlObjectsInstaller.Install(connection, HangfireSchema);
    }
}

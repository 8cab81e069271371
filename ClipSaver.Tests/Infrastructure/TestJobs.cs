using ClipSaver.Core.Database;
using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;

namespace ClipSaver.Tests.Infrastructure;

/// <summary>Hangfire storage and client on a test database (the schema comes with the template).</summary>
public static class TestJobs
{
    public static JobStorage Storage(TestDb db)
    {
        var options = new PostgreSqlStorageOptions { SchemaName = DatabaseMigrator.HangfireSchema, PrepareSchemaIfNecessary = false };
        return new PostgreSqlStorage(new NpgsqlConnectionFactory(db.ConnectionString, options), options);
    }

    public static IBackgroundJobClient Client(JobStorage storage) => new BackgroundJobClient(storage);
}

using ClipSaver.Core.Database;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Hangfire.Storage;

namespace ClipSaver.Tests.Infrastructure;

/// <summary>Hangfire storage and client on a test database (the schema comes with the template).</summary>
public static class TestJobs
{
    private static readonly string[] FinalStates = ["Succeeded", "Failed", "Deleted"];

    public static JobStorage Storage(TestDb db)
    {
        var options = new PostgreSqlStorageOptions { SchemaName = DatabaseMigrator.HangfireSchema, PrepareSchemaIfNecessary = false };
        return new PostgreSqlStorage(new NpgsqlConnectionFactory(db.ConnectionString, options), options);
    }

    public static IBackgroundJobClient Client(JobStorage storage) => new BackgroundJobClient(storage);

    /// <summary>
    /// Settings for an app under test that runs its own Hangfire server, polling every <paramref name="pollInterval"/>
    /// with <paramref name="workers"/> workers (the app's default when null); <paramref name="more"/> adds other settings.
    /// </summary>
    public static IReadOnlyDictionary<string, string?> ServerSettings(string pollInterval, int? workers, params (string Key, string? Value)[] more)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ClipSaver:Jobs:ServerEnabled"] = "true",
            ["ClipSaver:Jobs:PollInterval"] = pollInterval,
        };
        if (workers is { } count)
        {
            settings["ClipSaver:Jobs:WorkerCount"] = count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>Waits until a job server has finished the job (succeeded, failed or deleted) and returns that state.</summary>
    public static async Task<StateData> WaitUntilFinishedAsync(JobStorage storage, string jobId, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        StateData? state = null;
        while (DateTime.UtcNow < deadline)
        {
            using (var connection = storage.GetConnection())
            {
                state = connection.GetStateData(jobId);
            }

            if (state is not null && FinalStates.Contains(state.Name))
            {
                return state;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"Job {jobId} did not finish within {timeout}; its state is {state?.Name ?? "unknown"}.");
    }
}

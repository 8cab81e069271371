namespace ClipSaver.Tests.Maintenance;

/// <summary>
/// /health/ready while a dependency goes away and comes back, for real: the test's own database stops accepting
/// connections (other tests' databases in the same cluster are not touched), and the storage folder is replaced by
/// a file (a permission change would not stop root from writing).
/// </summary>
public sealed class HealthOutageTests : AppTestBase
{
    private const long Operator = 555000000000000002;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly string _storageParent = Path.Combine(Path.GetTempPath(), "clipsaver-health-" + Guid.NewGuid().ToString("N"));

    private string StorageRoot => Path.Combine(_storageParent, "clips");

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["ClipSaver:Operators:0"] = Operator.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["ClipSaver:Storage:Root"] = StorageRoot,
    };

    public override async Task InitializeAsync()
    {
        Directory.CreateDirectory(StorageRoot);
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (File.Exists(StorageRoot))
        {
            File.Delete(StorageRoot);
        }

        if (Directory.Exists(_storageParent))
        {
            Directory.Delete(_storageParent, recursive: true);
        }
    }

    private sealed record Ready(HttpStatusCode Code, string Status, IReadOnlyDictionary<string, (string Status, string? Description)> Checks);

    private async Task<Ready> ReadyAsync()
    {
        using var client = App.CreateClientAs(Operator);
        using var response = await client.GetAsync("/health/ready");
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var checks = body.GetProperty("checks").EnumerateArray().ToDictionary(
            c => c.GetProperty("name").GetString()!,
            c => (c.GetProperty("status").GetString()!, c.GetProperty("description").GetString()));
        return new Ready(response.StatusCode, body.GetProperty("status").GetString()!, checks);
    }

    /// <summary>Asks /health/ready until the answer matches (health follows the dependency within a few probes).</summary>
    private async Task<Ready> WaitForReadyAsync(Func<Ready, bool> condition)
    {
        var deadline = DateTime.UtcNow + Timeout;
        var last = await ReadyAsync();
        while (!condition(last))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"/health/ready answered {(int)last.Code} {last.Status}: {string.Join(", ", last.Checks.Select(c => $"{c.Key} {c.Value.Status}"))}");
            }

            await Task.Delay(100);
            last = await ReadyAsync();
        }

        return last;
    }

    private static bool AllHealthy(Ready r) => r.Code == HttpStatusCode.OK && r.Status == "Healthy" && r.Checks.Values.All(c => c.Status == "Healthy");

    /// <summary>Lets this test's database accept connections or not; without, its open sessions are ended too.</summary>
    private async Task AllowConnectionsAsync(bool allowed)
    {
        var cluster = await TestDatabase.GetClusterAsync();
        await using var connection = new NpgsqlConnection(cluster.ConnectionString("postgres"));
        await connection.OpenAsync();
        await using (var alter = new NpgsqlCommand($"ALTER DATABASE \"{Db.Name}\" ALLOW_CONNECTIONS {(allowed ? "true" : "false")}", connection))
        {
            await alter.ExecuteNonQueryAsync();
        }

        if (!allowed)
        {
            await using var terminate = new NpgsqlCommand("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = @name AND pid <> pg_backend_pid()", connection);
            terminate.Parameters.AddWithValue("name", Db.Name);
            await terminate.ExecuteScalarAsync();
        }
    }

    [Fact]
    public async Task Ready_turns_unhealthy_naming_the_database_while_it_cannot_be_reached_and_healthy_after_it_is_back()
    {
        await WaitForReadyAsync(AllHealthy);

        await AllowConnectionsAsync(false);
        try
        {
            var down = await WaitForReadyAsync(r => r.Code == HttpStatusCode.ServiceUnavailable);

            Assert.Equal("Unhealthy", down.Status);
            Assert.Equal(("Unhealthy", "The database does not answer."), down.Checks["database"]);
            // Only what depends on the database is down: the storage and Discord still answer.
            Assert.Equal("Healthy", down.Checks["storage"].Status);
            Assert.Equal("Healthy", down.Checks["discord"].Status);
        }
        finally
        {
            await AllowConnectionsAsync(true);
        }

        var back = await WaitForReadyAsync(AllHealthy);
        Assert.Equal(("Healthy", "The database answers."), back.Checks["database"]);
    }

    [Theory]
    [InlineData("down")]
    [InlineData("slow")]
    public async Task Ready_stays_200_and_answers_within_seconds_while_discord_is_down_or_slow_with_discord_degraded_and_the_reason(string outage)
    {
        // Before the first probe, so the health check's cache is cold: the case that used to sit through every retry.
        Discord.Faults.Add(outage == "down"
            ? new FaultRule("*", DropShare: 1)
            : new FaultRule("*", Delay: TimeSpan.FromSeconds(60)));
        _ = App.Server; // the app's start (slow on a loaded machine) is not what is timed; the check's cache fills only on a probe
        var watch = System.Diagnostics.Stopwatch.StartNew();

        var ready = await ReadyAsync();

        // The probe gives up after 3 s; the bound leaves room for a busy machine, far below the minute the old retries
        // took.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"/health/ready took {watch.Elapsed.TotalSeconds:0.0} s");
        Assert.Equal(HttpStatusCode.OK, ready.Code);
        Assert.Equal("Degraded", ready.Status);
        var (status, description) = ready.Checks["discord"];
        Assert.Equal("Degraded", status);
        if (outage == "down")
        {
            Assert.StartsWith("Discord cannot be reached", description, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal("Discord did not answer within 3 seconds.", description);
        }

        // Nothing of this instance's own is down.
        Assert.All(["database", "hangfire", "storage"], name => Assert.Equal("Healthy", ready.Checks[name].Status));
    }

    [Fact]
    public async Task Ready_turns_unhealthy_naming_the_storage_while_it_cannot_be_written_and_healthy_after_it_is_writable_again()
    {
        await WaitForReadyAsync(AllHealthy);

        // A file where the storage folder should be: no folder can be made under it, not even by root.
        Directory.Delete(StorageRoot, recursive: true);
        await File.WriteAllTextAsync(StorageRoot, "not a folder");
        var down = await WaitForReadyAsync(r => r.Code == HttpStatusCode.ServiceUnavailable);

        Assert.Equal("Unhealthy", down.Status);
        Assert.Equal(("Unhealthy", "Clip storage does not accept writes."), down.Checks["storage"]);
        Assert.Equal("Healthy", down.Checks["database"].Status);

        File.Delete(StorageRoot);
        Directory.CreateDirectory(StorageRoot);
        var back = await WaitForReadyAsync(AllHealthy);
        Assert.Equal(("Healthy", "Clip storage accepts writes."), back.Checks["storage"]);
    }
}

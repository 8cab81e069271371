namespace ClipSaver.Tests.Maintenance;

public sealed class RecurringJobsTests : AppTestBase
{
    [Fact]
    public async Task At_start_up_the_retention_job_logs_its_schedule_and_how_long_it_keeps_records()
    {
        var sink = await StartUpLogAsync(
            ("Retention:IntervalHours", "4"),
            ("Retention:JobRecordHours", "72"),
            ("Retention:AuditEventDays", "200"),
            ("Retention:StartupDelay", "00:00:00"));

        Assert.Contains(sink.Lines, l => l.StartsWith(
            "Recurring job retention-purge registered with schedule 0 */4 * * *; it keeps finished job records 72 h, audit events 200 days", StringComparison.Ordinal));
        Assert.Contains(sink.Lines, l => l.StartsWith("Recurring job guild-reconciliation registered with schedule */5 * * * *", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_checksum_backfill_is_registered_every_ten_minutes()
    {
        var sink = await StartUpLogAsync();

        Assert.Contains(sink.Lines, l => l.StartsWith("Recurring job checksum-backfill registered with schedule */10 * * * *", StringComparison.Ordinal));
    }

    [Fact]
    public async Task With_the_Gateway_on_reconciliation_is_a_slow_cross_check()
    {
        var sink = await StartUpLogAsync(
            ("ClipSaver:Gateway:Enabled", "true"),
            ("ClipSaver:Sync:ConnectedReconcileIntervalMinutes", "60"));

        Assert.Contains(sink.Lines, l => l.StartsWith("Recurring job guild-reconciliation registered with schedule 0 */1 * * *", StringComparison.Ordinal));
    }

    /// <summary>What the app logs at start-up with its recurring jobs on and these settings.</summary>
    private async Task<LogSink> StartUpLogAsync(params (string Key, string Value)[] settings)
    {
        var sink = new LogSink();
        await using var app = App.WithWebHostBuilder(b =>
        {
            b.UseSetting("ClipSaver:Jobs:RecurringEnabled", "true");
            foreach (var (key, value) in settings)
            {
                b.UseSetting(key, value);
            }

            b.UseSetting("Logging:LogLevel:Default", "Information")
                .ConfigureServices(s => s.AddLogging(l => l.AddProvider(sink)));
        });

        _ = app.Server;
        return sink;
    }

    [Theory]
    [InlineData(1, "* * * * *")]
    [InlineData(10, "*/10 * * * *")]
    [InlineData(360, "0 */6 * * *")]
    [InlineData(1439, "0 */23 * * *")]
    [InlineData(1440, "0 0 * * *")] // the longest interval the options allow: once a day, not "*/24" (which Hangfire refuses)
    public void Every_allowed_interval_becomes_a_valid_cron_expression(int minutes, string cron)
    {
        Assert.Equal(cron, ClipSaver.Web.Jobs.RecurringJobs.EveryMinutes(minutes));
    }
}

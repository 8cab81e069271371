using ClipSaver.Core.Gateway;

namespace ClipSaver.Web.Jobs;

/// <summary>Every recurring job of ClipSaver, with its stable id and its interval from configuration.</summary>
public static class RecurringJobs
{
    public static IServiceCollection AddClipSaverRecurringJobs(this IServiceCollection services)
    {
        services.AddSingleton(sp =>
        {
            var retention = sp.GetRequiredService<IOptions<RetentionOptions>>().Value;
            return new RecurringJobDefinition(
                RetentionPurgeJob.RecurringJobId,
                $"0 */{retention.IntervalHours} * * *",
                (manager, id, cron) => manager.AddOrUpdate<RetentionPurgeJob>(id, j => j.RunAsync(null, CancellationToken.None), cron))
            {
                // Logged at start-up with the schedule: how long records are kept matters as much as how often.
                Keeps = string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"finished job records {retention.JobRecordHours} h, audit events {retention.AuditEventDays} days"),
            };
        });
        services.AddSingleton(sp => new RecurringJobDefinition(
            GuildSync.ReconcileJobId,
            EveryMinutes(sp.GetRequiredService<IOptions<GatewayOptions>>().Value.Enabled
                ? sp.GetRequiredService<IOptions<SyncOptions>>().Value.ConnectedReconcileIntervalMinutes
                : sp.GetRequiredService<IOptions<SyncOptions>>().Value.ReconcileIntervalMinutes),
            (manager, id, cron) => manager.AddOrUpdate<GuildSync>(id, j => j.ReconcileAsync(CancellationToken.None), cron)));
        services.AddSingleton(sp => new RecurringJobDefinition(
            IncrementalScansJob.RecurringJobId,
            EveryMinutes(sp.GetRequiredService<IOptions<ScanOptions>>().Value.IncrementalIntervalMinutes),
            (manager, id, cron) => manager.AddOrUpdate<IncrementalScansJob>(id, j => j.RunAsync(CancellationToken.None), cron)));
        // Every minute: purges and scans whose job was lost get a new one (docs/decisions/015-crash-recovery.md).
        services.AddSingleton(new RecurringJobDefinition(RunRecovery.RecurringJobId, "* * * * *",
            (manager, id, cron) => manager.AddOrUpdate<RunRecovery>(id, j => j.RunAsync(CancellationToken.None), cron)));
        // Every minute: posters for newly stored clips, and for older ones (a backfill) when there are none (decision 020).
        services.AddSingleton(new RecurringJobDefinition(ThumbnailJob.RecurringJobId, "* * * * *",
            (manager, id, cron) => manager.AddOrUpdate<ThumbnailJob>(id, j => j.RunAsync(CancellationToken.None), cron)));
        // Every ten minutes, a bounded run: CRC-32s for clips stored before the archive kept them, so that exports copy
        // their files with the kernel (decision 033). Once they all have one, a run is one query on an empty index.
        services.AddSingleton(new RecurringJobDefinition(ChecksumBackfillJob.RecurringJobId, "*/10 * * * *",
            (manager, id, cron) => manager.AddOrUpdate<ChecksumBackfillJob>(id, j => j.RunAsync(CancellationToken.None), cron)));
        services.AddSingleton(new RecurringJobDefinition(ExpiredIntentsJob.RecurringJobId, "17 * * * *",
            (manager, id, cron) => manager.AddOrUpdate<ExpiredIntentsJob>(id, j => j.RunAsync(CancellationToken.None), cron)));
        services.AddSingleton(new RecurringJobDefinition(GracePeriodJob.RecurringJobId, "23 * * * *",
            (manager, id, cron) => manager.AddOrUpdate<GracePeriodJob>(id, j => j.RunAsync(CancellationToken.None), cron)));
        services.AddSingleton(new RecurringJobDefinition(MemberCleanupJob.RecurringJobId, "41 3 * * *",
            (manager, id, cron) => manager.AddOrUpdate<MemberCleanupJob>(id, j => j.RunAsync(null, false, CancellationToken.None), cron)));
        services.AddSingleton(new RecurringJobDefinition(OrphanScan.RecurringJobId, "11 4 * * *",
            (manager, id, cron) => manager.AddOrUpdate<OrphanScan>(id, j => j.RunAsync(false, false, CancellationToken.None), cron)));
        return services;
    }

    /// <summary>A cron expression for "every n minutes" (n up to a day; beyond an hour it rounds to whole hours, a day or more is daily).</summary>
    public static string EveryMinutes(int minutes) => minutes switch
    {
        <= 1 => "* * * * *",
        < 60 => $"*/{minutes} * * * *",
        < 24 * 60 => $"0 */{Math.Max(1, minutes / 60)} * * *",
        _ => "0 0 * * *",
    };
}

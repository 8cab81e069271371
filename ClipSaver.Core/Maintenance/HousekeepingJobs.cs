using ClipSaver.Core.Purging;

namespace ClipSaver.Core.Maintenance;

/// <summary>Section <c>ClipSaver:Housekeeping</c>.</summary>
public sealed class HousekeepingOptions
{
    public const string Section = "ClipSaver:Housekeeping";

    /// <summary>Install intents are deleted this long after they expired.</summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:00", "30.00:00:00")]
    public TimeSpan IntentGrace { get; set; } = TimeSpan.FromHours(1);
}

public sealed record ExpiredIntentsResult(bool Skipped, int Deleted);

public sealed record GracePeriodResult(bool Skipped, IReadOnlyList<long> GuildsPurged);

/// <summary>Deletes install intents past their expiry plus a grace period.</summary>
public sealed partial class ExpiredIntentsJob(ClipSaverDbContext db, ClipSaverConnection connection, IOptionsMonitor<HousekeepingOptions> options, TimeProvider clock, ILogger<ExpiredIntentsJob> logger)
{
    public const string RecurringJobId = "expired-install-intents";

    [Queue(JobQueues.Maintenance)]
    [AutomaticRetry(Attempts = 3)]
    [JobDisplayName("Delete expired install intents")]
    public Task<ExpiredIntentsResult> RunAsync(CancellationToken cancellationToken) =>
        AdvisoryLock.RunAloneAsync(connection.ConnectionString, RecurringJobId, () => DeleteExpiredAsync(cancellationToken), () =>
        {
            LogSkipped(logger);
            return new ExpiredIntentsResult(true, 0);
        }, cancellationToken);

    private async Task<ExpiredIntentsResult> DeleteExpiredAsync(CancellationToken cancellationToken)
    {
        var cutoff = clock.GetUtcNow() - options.CurrentValue.IntentGrace;
        var deleted = await db.InstallIntents.Where(i => i.ExpiresAt < cutoff).ExecuteDeleteAsync(cancellationToken);
        LogDone(logger, deleted, cutoff);
        return new ExpiredIntentsResult(false, deleted);
    }

    [LoggerMessage(LogLevel.Information, "Expired install intents: another run is active; this one skips.")]
    private static partial void LogSkipped(ILogger logger);

    [LoggerMessage(LogLevel.Information, "Expired install intents: deleted {Deleted} that expired before {Cutoff:o}.")]
    private static partial void LogDone(ILogger logger, int deleted, DateTimeOffset cutoff);
}

/// <summary>
/// Guilds whose bot was removed and that were not re-invited within <see cref="RetentionOptions.RemovedGuildGraceDays"/>
/// are purged completely by a guild purge the system requests (same job, report and audit event as an owner's).
/// </summary>
public sealed partial class GracePeriodJob(
    ClipSaverDbContext db,
    ClipSaverConnection connection,
    RequestPurge requestPurge,
    IOptionsMonitor<RetentionOptions> options,
    TimeProvider clock,
    ILogger<GracePeriodJob> logger)
{
    public const string RecurringJobId = "removed-guild-grace";

    [Queue(JobQueues.Maintenance)]
    [AutomaticRetry(Attempts = 3)]
    [JobDisplayName("Purge removed guilds after their grace period")]
    public Task<GracePeriodResult> RunAsync(CancellationToken cancellationToken) =>
        AdvisoryLock.RunAloneAsync(connection.ConnectionString, RecurringJobId, () => PurgeDueAsync(cancellationToken), () =>
        {
            LogSkipped(logger);
            return new GracePeriodResult(true, []);
        }, cancellationToken);

    private async Task<GracePeriodResult> PurgeDueAsync(CancellationToken cancellationToken)
    {
        var cutoff = clock.GetUtcNow().AddDays(-options.CurrentValue.RemovedGuildGraceDays);
        var due = await db.Guilds.AsNoTracking()
            .Where(g => g.DeletedAt != null && g.DeletedAt < cutoff && g.PurgedAt == null && g.DeletionReason == GuildDeletionReason.BotRemoved)
            .Where(g => !db.PurgeRuns.Any(p => p.GuildId == g.Id && p.Scope == PurgeScope.Guild && (p.Status == PurgeStatus.Scheduled || p.Status == PurgeStatus.Running)))
            .Select(g => g.Id).ToListAsync(cancellationToken);
        var purged = new List<long>();
        foreach (var guildId in due)
        {
            // ClipSaver itself asks, with the phrase an owner would type: the same rules, run, report and audit event.
            var result = await requestPurge.RunAsync(Actor.System, guildId, PurgeScope.Guild, null, PurgeScopes.GuildPhrase, cancellationToken);
            if (result is PurgeResult.Accepted)
            {
                purged.Add(guildId);
                LogPurging(logger, guildId);
            }
        }

        return new GracePeriodResult(false, purged);
    }

    [LoggerMessage(LogLevel.Information, "Grace-period deletion: another run is active; this one skips.")]
    private static partial void LogSkipped(ILogger logger);

    [LoggerMessage(LogLevel.Information, "Guild {GuildId} was removed longer ago than the grace period; its data is being purged.")]
    private static partial void LogPurging(ILogger logger, long guildId);
}

using ClipSaver.Core.Maintenance;
using Hangfire;
using Microsoft.Extensions.Options;

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
                (manager, id, cron) => manager.AddOrUpdate<RetentionPurgeJob>(id, j => j.RunAsync(null, CancellationToken.None), cron));
        });
        return services;
    }
}

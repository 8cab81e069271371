using Hangfire.Common;
using Hangfire.Dashboard;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;

namespace ClipSaver.Web.Jobs;

public static class HangfireSetup
{
    public static WebApplicationBuilder AddClipSaverHangfire(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<JobsOptions>().BindConfiguration(JobsOptions.Section).ValidateSection(JobsOptions.Section);
        var jobs = builder.Configuration.GetSection(JobsOptions.Section).Get<JobsOptions>() ?? new JobsOptions();
        var prepareSchema = builder.Configuration.GetValue("ClipSaver:Database:MigrateOnStartup", !builder.Environment.IsProduction());

        // The storage is a singleton of this app's container, not Hangfire's static JobStorage.Current: several
        // app instances in one process (the tests) each keep their own database.
        builder.Services.AddSingleton<JobStorage>(services => new PostgreSqlStorage(
            new NpgsqlConnectionFactory(
                services.GetRequiredService<ClipSaverConnection>().ConnectionString,
                new PostgreSqlStorageOptions { SchemaName = DatabaseMigrator.HangfireSchema }),
            new PostgreSqlStorageOptions
            {
                SchemaName = DatabaseMigrator.HangfireSchema,
                PrepareSchemaIfNecessary = prepareSchema,
                // Long purges and scans keep their fetched job invisible to other workers while they run; the job of a
                // killed process becomes visible again after this short timeout (docs/decisions/015-crash-recovery.md).
                UseSlidingInvisibilityTimeout = true,
                InvisibilityTimeout = jobs.InvisibilityTimeout,
                QueuePollInterval = jobs.PollInterval,
                JobExpirationCheckInterval = TimeSpan.FromMinutes(30),
            })
        {
            // Succeeded and deleted jobs expire after this; failed jobs stay until an operator acts.
            JobExpirationTimeout = jobs.FinishedJobExpiration,
        });
        // This app's filters go through its own container (not Hangfire's static GlobalJobFilters), so that several
        // app instances in one process each use their own database. Registered before AddHangfire, which only adds
        // a provider when none is there.
        builder.Services.AddSingleton<JobSwitchFilter>();
        builder.Services.AddSingleton<IJobFilterProvider>(services =>
        {
            var own = new JobFilterCollection();
            own.Add(new CurrentJobFilter());
            own.Add(services.GetRequiredService<JobSwitchFilter>());
            return new JobFilterProviderCollection(JobFilterProviders.Providers, own);
        });
        // Each app's own job activator. Left to AddHangfire, the job servers would take Hangfire's static
        // JobActivator.Current, which is whatever app configured Hangfire last in this process: with several app
        // instances in one process (the tests), jobs were activated in another app's disposed container.
        builder.Services.AddSingleton<JobActivator>(services => new Hangfire.AspNetCore.AspNetCoreJobActivator(services.GetRequiredService<IServiceScopeFactory>()));
        builder.Services.AddHangfire((services, config) => config
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UseLogProvider(new HangfireLogProvider(services.GetRequiredService<ILoggerFactory>())));

        if (jobs.ServerEnabled)
        {
            // Scans and thumbnails get servers (and workers) of their own, so that purges, exports and maintenance
            // never wait behind a long backfill of many channels or of many posters.
            var queues = jobs.EffectiveQueues;
            var others = queues.Where(q => q is not (JobQueues.Scan or JobQueues.Thumbnails)).ToArray();
            if (others.Length > 0)
            {
                AddServer(builder.Services, jobs, "jobs", jobs.WorkerCount, others);
            }

            if (queues.Contains(JobQueues.Scan))
            {
                AddServer(builder.Services, jobs, "scans", jobs.ScanWorkerCount, [JobQueues.Scan]);
            }

            if (queues.Contains(JobQueues.Thumbnails))
            {
                // As many workers as thumbnail runs may work at once on an instance (each holds one ffmpeg at a time).
                var parallel = builder.Configuration.GetSection(ThumbnailOptions.Section).Get<ThumbnailOptions>()?.Parallel ?? 1;
                AddServer(builder.Services, jobs, "thumbnails", Math.Clamp(parallel, 1, 4), [JobQueues.Thumbnails]);
            }
        }

        builder.Services.AddClipSaverRecurringJobs();
        if (jobs.RecurringEnabled)
        {
            builder.Services.AddHostedService<RecurringJobsRegistrar>();
        }
        return builder;
    }

    private static void AddServer(IServiceCollection services, JobsOptions jobs, string name, int workers, string[] queues) =>
        services.AddHangfireServer(o =>
        {
            o.ServerName = $"{Environment.MachineName}:{name}"; // Hangfire adds the process id and a unique suffix
            o.WorkerCount = workers;
            o.Queues = queues;
            o.SchedulePollingInterval = jobs.PollInterval;
            o.ServerCheckInterval = TimeSpan.FromMinutes(1);
        });

    public static void MapClipSaverHangfireDashboard(this IEndpointRouteBuilder app)
    {
        var options = new DashboardOptions
        {
            DashboardTitle = "ClipSaver jobs",
            AppPath = "/admin",
            DisplayStorageConnectionString = false,
            // The endpoint policy below already admits operators only; the filter repeats it so that the dashboard
            // never falls back to Hangfire's default (local requests only).
            Authorization = [new OperatorDashboardFilter()],
            AsyncAuthorization = [],
        };
        app.MapHangfireDashboard("/hangfire", options).RequireAuthorization(Policies.Operator);
    }

    private sealed class OperatorDashboardFilter : IDashboardAuthorizationFilter
    {
        public bool Authorize(DashboardContext context)
        {
            var http = context.GetHttpContext();
            var operators = http.RequestServices.GetRequiredService<IOptionsMonitor<ClipSaverOptions>>().CurrentValue;
            return http.User.DiscordUserId() is { } id && operators.IsOperator(id);
        }
    }
}

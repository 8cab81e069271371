using ClipSaver.Core.Database;
using ClipSaver.Core.Gateway;
using ClipSaver.Core.Maintenance;
using ClipSaver.Core.Purging;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Hosting;

namespace ClipSaver.Core;

public static class ClipSaverCoreSetup
{
    /// <summary>Registers the database, Data Protection and the core services. Returns the connection string.</summary>
    public static IHostApplicationBuilder AddClipSaverCore(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ClipSaverOptions>().BindConfiguration(ClipSaverOptions.Section)
            .Validate(o => o.HasValidPublicBaseUrl, "ClipSaver:PublicBaseUrl must be an absolute http(s) address without a query, e.g. https://clips.example.org.")
            .ValidateSection(ClipSaverOptions.Section);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddClipStorage();
        builder.Services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.Section).ValidateSection(RetentionOptions.Section);
        builder.Services.AddScoped<RetentionPurgeJob>();
        builder.Services.AddOptions<HousekeepingOptions>().BindConfiguration(HousekeepingOptions.Section).ValidateSection(HousekeepingOptions.Section);
        builder.Services.AddScoped<ExpiredIntentsJob>();
        builder.Services.AddScoped<GracePeriodJob>();
        builder.Services.AddOptions<OrphanScanOptions>().BindConfiguration(OrphanScanOptions.Section).ValidateSection(OrphanScanOptions.Section);
        builder.Services.AddScoped<OrphanScan>();
        builder.Services.AddOptions<MemberCleanupOptions>().BindConfiguration(MemberCleanupOptions.Section).ValidateSection(MemberCleanupOptions.Section);
        builder.Services.AddScoped<MemberCleanupJob>();
        builder.Services.AddOptions<ChecksumBackfillOptions>().BindConfiguration(ChecksumBackfillOptions.Section).ValidateSection(ChecksumBackfillOptions.Section);
        builder.Services.AddSingleton<ChecksumBackfillCursor>();
        builder.Services.AddScoped<ChecksumBackfillJob>();
        builder.Services.AddOptions<GuildSettings>().BindConfiguration("ClipSaver:GuildDefaults")
            .Validate(s => s.Validate().Count == 0, "ClipSaver:GuildDefaults holds an invalid value.").ValidateOnStart();
        builder.Services.AddScoped<GuildSettingsStore>();
        builder.Services.AddOptions<InstallOptions>().BindConfiguration(InstallOptions.Section).ValidateSection(InstallOptions.Section);
        builder.Services.AddScoped<InstallIntents>();
        builder.Services.AddOptions<PurgeOptions>().BindConfiguration(PurgeOptions.Section).ValidateSection(PurgeOptions.Section);
        builder.Services.AddScoped<RequestPurge>();
        builder.Services.AddScoped<PreviewPurge>();
        builder.Services.AddScoped<CancelPurge>();
        builder.Services.AddScoped<ListPurgeClips>();
        builder.Services.AddDiscordClients();
        // Every instance on this database takes its share of the bot token's global limit (decision 022).
        builder.Services.AddSingleton<SharedDiscordBudget>();
        builder.Services.AddSingleton<IDiscordRateBudget>(sp => sp.GetRequiredService<SharedDiscordBudget>());
        if (builder.Environment.IsProduction())
        {
            builder.Services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<DiscordOptions>, DiscordCredentialsRequired>();
        }

        builder.Services.AddScoped<DiscordIntents>();
        builder.Services.AddScoped<ClipArchive>();
        builder.Services.AddScoped<ClipSweep>();
        builder.Services.AddScoped<PurgeSteps>();
        builder.Services.AddScoped<AuthorPurgeSteps>();
        builder.Services.AddScoped<NarrowPurgeSteps>();
        builder.Services.AddScoped<PurgeJob>();
        builder.Services.AddSingleton<IPurgeObserver, PurgeLog>();
        builder.Services.AddScoped<IBotDeparture, DiscordBotDeparture>();
        builder.Services.AddMemoryCache();
        builder.Services.AddOptions<AccessOptions>().BindConfiguration(AccessOptions.Section).ValidateSection(AccessOptions.Section);
        builder.Services.AddScoped<GuildAccess>();
        builder.Services.AddScoped<ApiTokens>();
        builder.Services.AddOptions<SyncOptions>().BindConfiguration(SyncOptions.Section).ValidateSection(SyncOptions.Section);
        builder.Services.AddScoped<GuildSync>();
        builder.Services.AddOptions<ScanOptions>().BindConfiguration(ScanOptions.Section).ValidateSection(ScanOptions.Section);
        builder.Services.AddScoped<Scans>();
        builder.Services.AddScoped<ScanJob>();
        builder.Services.AddScoped<ClipDownloads>();
        builder.Services.AddScoped<IncrementalScansJob>();
        builder.Services.AddScoped<ChannelArchiving>();
        builder.Services.AddScoped<ScanNow>();
        builder.Services.AddScoped<StopScans>();
        builder.Services.AddScoped<ChangeGuildSettings>();
        builder.Services.AddScoped<RestoreGuildSettings>();
        builder.Services.AddScoped<SettingsHistory>();
        builder.Services.AddScoped<ClipSaver.Core.Clips.ListClips>();
        builder.Services.AddScoped<ClipSaver.Core.OwnData.ListOwnClips>();
        builder.Services.AddScoped<ClipSaver.Core.OwnData.DeleteOwnClips>();
        builder.Services.AddScoped<ClipSaver.Core.OwnData.ChangeOptOut>();
        builder.Services.AddOptions<ClipSaver.Core.Exports.ExportOptions>().BindConfiguration(ClipSaver.Core.Exports.ExportOptions.Section).ValidateSection(ClipSaver.Core.Exports.ExportOptions.Section);
        builder.Services.AddScoped<ClipSaver.Core.Exports.RequestExport>();
        builder.Services.AddScoped<ClipSaver.Core.Exports.DeleteExport>();
        builder.Services.AddScoped<ClipSaver.Core.Exports.ExportJob>();
        builder.Services.AddScoped<ClipSaver.Core.Clips.ReadClipFile>();
        builder.Services.AddOptions<ClipSaver.Core.Thumbnails.ThumbnailOptions>().BindConfiguration(ClipSaver.Core.Thumbnails.ThumbnailOptions.Section).ValidateSection(ClipSaver.Core.Thumbnails.ThumbnailOptions.Section);
        builder.Services.AddSingleton<ClipSaver.Core.Thumbnails.ThumbnailMaker>();
        builder.Services.AddSingleton<ClipSaver.Core.Thumbnails.ThumbnailSlots>();
        builder.Services.AddSingleton<ClipSaver.Core.Thumbnails.FFmpegTools>();
        builder.Services.AddScoped<ClipSaver.Core.Thumbnails.ThumbnailJob>();
        builder.Services.AddOptions<RecoveryOptions>().BindConfiguration(RecoveryOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddScoped<RunRecovery>();
        builder.Services.AddClipSaverGateway();

        var connectionString = DatabaseSetup.ResolveConnectionString(builder, out var cluster);
        if (cluster is not null)
        {
            // Disposed with the container when the app stops, which stops the server it started.
            builder.Services.AddSingleton(cluster);
        }

        builder.Services.AddSingleton(new ClipSaverConnection(connectionString));
        builder.Services.AddDbContext<ClipSaverDbContext>(o => DatabaseSetup.ConfigureNpgsql(o, connectionString));

        // Keys in PostgreSQL with one application name: cookies and antiforgery tokens survive restarts and work
        // across instances.
        builder.Services.AddDataProtection()
            .SetApplicationName("ClipSaver")
            .PersistKeysToDbContext<ClipSaverDbContext>();

        return builder;
    }
}

/// <summary>The resolved connection string (configured, or the local cluster's).</summary>
public sealed record ClipSaverConnection(string ConnectionString);

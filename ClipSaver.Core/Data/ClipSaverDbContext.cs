using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;

namespace ClipSaver.Core.Data;

public sealed class ClipSaverDbContext(DbContextOptions<ClipSaverDbContext> options)
    : DbContext(options), IDataProtectionKeyContext
{
    public DbSet<User> Users => Set<User>();
    public DbSet<UserGuildAccess> UserGuildAccess => Set<UserGuildAccess>();
    public DbSet<Guild> Guilds => Set<Guild>();
    public DbSet<GuildSettingsRow> GuildSettings => Set<GuildSettingsRow>();
    public DbSet<GuildSettingsVersion> GuildSettingsVersions => Set<GuildSettingsVersion>();
    public DbSet<Channel> Channels => Set<Channel>();
    public DbSet<GuildMember> GuildMembers => Set<GuildMember>();
    public DbSet<ScanRun> ScanRuns => Set<ScanRun>();
    public DbSet<Clip> Clips => Set<Clip>();
    public DbSet<PurgeRun> PurgeRuns => Set<PurgeRun>();
    public DbSet<InstallIntent> InstallIntents => Set<InstallIntent>();
    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();
    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();
    public DbSet<JobSwitch> JobSwitches => Set<JobSwitch>();
    public DbSet<ClipDay> ClipDays => Set<ClipDay>();
    public DbSet<GatewayShard> GatewayShards => Set<GatewayShard>();
    public DbSet<DiscordBudgetShare> DiscordBudgetShares => Set<DiscordBudgetShare>();
    public DbSet<Export> Exports => Set<Export>();
    public DbSet<ExportPart> ExportParts => Set<ExportPart>();
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    // Table and column names come from the snake_case naming convention (DatabaseSetup): a table is named after its
    // DbSet above (ApiTokens → api_tokens), a column after its property. The configurations only say what a
    // convention cannot: keys, indexes, lengths, relations.
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        // Trigrams for the clip search's index; a trusted extension, so the database's owner may create it (decision 025).
        modelBuilder.HasPostgresExtension("pg_trgm");
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(ClipSaverDbContext).Assembly);
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Enums are stored as readable snake_case text ("all_channels"), never as numbers that drift; a state or kind
        // fits in 20 characters.
        StoreAsText<ScanStatus>(configurationBuilder);
        StoreAsText<ScanKind>(configurationBuilder);
        StoreAsText<ClipSource>(configurationBuilder);
        StoreAsText<PurgeScope>(configurationBuilder);
        StoreAsText<PurgeStatus>(configurationBuilder);
        StoreAsText<ExportStatus>(configurationBuilder);
        StoreAsText<ThumbnailState>(configurationBuilder);
        StoreAsText<SettingsVersionKind>(configurationBuilder);
        // The first column of this kind had no length limit; kept as it is rather than migrated for nothing.
        configurationBuilder.Properties<GuildDeletionReason>().HaveConversion<SnakeCaseEnumConverter<GuildDeletionReason>>();
        // JSON documents (PreviewJson, DataJson, ...) are jsonb columns named without the suffix.
        configurationBuilder.Conventions.Add(_ => new JsonColumnConvention());
    }

    private static void StoreAsText<TEnum>(ModelConfigurationBuilder configurationBuilder) where TEnum : struct, Enum =>
        configurationBuilder.Properties<TEnum>().HaveConversion<SnakeCaseEnumConverter<TEnum>>().HaveMaxLength(20);
}

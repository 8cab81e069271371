namespace ClipSaver.Core.Data.Configurations;

public sealed class GuildSettingsConfiguration : IEntityTypeConfiguration<GuildSettingsRow>
{
    public void Configure(EntityTypeBuilder<GuildSettingsRow> builder)
    {
        builder.HasKey(x => x.GuildId);
        builder.Property(x => x.Json).HasColumnName("settings").HasColumnType("jsonb");
        // One small row per guild: cascading it is harmless and keeps a guild delete whole.
        builder.HasOne<Guild>().WithOne().HasForeignKey<GuildSettingsRow>(x => x.GuildId).OnDelete(DeleteBehavior.Cascade);
    }
}

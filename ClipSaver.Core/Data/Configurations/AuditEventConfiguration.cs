namespace ClipSaver.Core.Data.Configurations;

public sealed class AuditEventConfiguration : IEntityTypeConfiguration<AuditEvent>
{
    public void Configure(EntityTypeBuilder<AuditEvent> builder)
    {
        builder.Property(x => x.Action).HasMaxLength(64);
        builder.Property(x => x.Summary).HasMaxLength(1000);
        // No foreign keys: audit events outlive the guilds and users they mention.
        builder.HasIndex(x => new { x.GuildId, x.CreatedAt });
        builder.HasIndex(x => x.CreatedAt);
    }
}

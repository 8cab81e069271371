namespace ClipSaver.Core.Data.Configurations;

public sealed class ExportConfiguration : IEntityTypeConfiguration<Export>
{
    public void Configure(EntityTypeBuilder<Export> builder)
    {
        builder.Property(x => x.HangfireJobId).HasMaxLength(64);
        // No foreign key to the guild: an owner's export outlives a purge of the guild it was made for.
        builder.HasIndex(x => new { x.UserId, x.CreatedAt });
        builder.HasIndex(x => x.ExpiresAt);
        // One export at a time per user, held by the database: a second request while one is queued or running fails.
        builder.HasIndex(x => x.UserId).IsUnique().HasFilter("status IN ('queued', 'running')").HasDatabaseName("ux_exports_one_active_per_user");
    }
}

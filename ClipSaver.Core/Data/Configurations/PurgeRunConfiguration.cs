namespace ClipSaver.Core.Data.Configurations;

public sealed class PurgeRunConfiguration : IEntityTypeConfiguration<PurgeRun>
{
    public void Configure(EntityTypeBuilder<PurgeRun> builder)
    {
        builder.Property(x => x.Step).HasMaxLength(40);
        builder.Property(x => x.HangfireJobId).HasMaxLength(64);
        // The guild row outlives a guild purge (soft delete), so this foreign key never blocks one.
        builder.HasOne<Guild>().WithMany().HasForeignKey(x => x.GuildId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(x => new { x.GuildId, x.RequestedAt });
        builder.HasIndex(x => new { x.Status, x.FinishedAt });
        builder.HasIndex(x => x.AuthorId).HasFilter("author_id IS NOT NULL");
    }
}

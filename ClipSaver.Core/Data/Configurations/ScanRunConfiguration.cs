namespace ClipSaver.Core.Data.Configurations;

public sealed class ScanRunConfiguration : IEntityTypeConfiguration<ScanRun>
{
    public void Configure(EntityTypeBuilder<ScanRun> builder)
    {
        builder.Property(x => x.HangfireJobId).HasMaxLength(64);
        builder.HasOne<Guild>().WithMany().HasForeignKey(x => x.GuildId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Channel>().WithMany().HasForeignKey(x => x.ChannelId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(x => new { x.ChannelId, x.CreatedAt });
        // The retention purge looks for finished runs by age.
        builder.HasIndex(x => new { x.Status, x.FinishedAt });
        // At most one running scan per channel, enforced by the database.
        builder.HasIndex(x => x.ChannelId).IsUnique().HasFilter("status = 'running'").HasDatabaseName("ux_scan_runs_one_running_per_channel");
    }
}

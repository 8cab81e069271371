namespace ClipSaver.Core.Data.Configurations;

public sealed class ChannelConfiguration : IEntityTypeConfiguration<Channel>
{
    public void Configure(EntityTypeBuilder<Channel> builder)
    {
        builder.Property(x => x.Id).ValueGeneratedNever();
        builder.Property(x => x.Name).HasMaxLength(100);
        // Restrict, not cascade: channels are removed by the purge job in its own batches.
        builder.HasOne<Guild>().WithMany().HasForeignKey(x => x.GuildId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(x => new { x.GuildId, x.Position });
        builder.HasIndex(x => x.GuildId).HasFilter("is_reading").HasDatabaseName("ix_channels_reading");
    }
}

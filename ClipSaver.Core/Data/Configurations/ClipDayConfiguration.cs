namespace ClipSaver.Core.Data.Configurations;

public sealed class ClipDayConfiguration : IEntityTypeConfiguration<ClipDay>
{
    public void Configure(EntityTypeBuilder<ClipDay> builder)
    {
        builder.HasKey(x => new { x.ChannelId, x.Day });
        builder.HasIndex(x => new { x.GuildId, x.Day });
        builder.HasOne<Guild>().WithMany().HasForeignKey(x => x.GuildId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Channel>().WithMany().HasForeignKey(x => x.ChannelId).OnDelete(DeleteBehavior.Restrict);
    }
}

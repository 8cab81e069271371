namespace ClipSaver.Core.Data.Configurations;

public sealed class GatewayShardConfiguration : IEntityTypeConfiguration<GatewayShard>
{
    public void Configure(EntityTypeBuilder<GatewayShard> builder)
    {
        builder.HasKey(x => x.ShardId);
        builder.Property(x => x.ShardId).ValueGeneratedNever();
        builder.Property(x => x.InstanceId).HasMaxLength(200);
        builder.Property(x => x.State).HasMaxLength(20);
        builder.Property(x => x.SessionId).HasMaxLength(100);
        builder.Property(x => x.LastEventName).HasMaxLength(50);
        builder.Property(x => x.StoppedReason).HasMaxLength(500);
    }
}

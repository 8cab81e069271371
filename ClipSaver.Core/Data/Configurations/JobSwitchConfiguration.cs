namespace ClipSaver.Core.Data.Configurations;

public sealed class JobSwitchConfiguration : IEntityTypeConfiguration<JobSwitch>
{
    public void Configure(EntityTypeBuilder<JobSwitch> builder)
    {
        builder.HasKey(x => x.JobId);
        builder.Property(x => x.JobId).HasMaxLength(100);
    }
}

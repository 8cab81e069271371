using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ClipSaver.Core.Data.Configurations;

public sealed class JobSwitchConfiguration : IEntityTypeConfiguration<JobSwitch>
{
    public void Configure(EntityTypeBuilder<JobSwitch> builder)
    {
        builder.ToTable("job_switches");
        builder.HasKey(x => x.JobId);
        builder.Property(x => x.JobId).HasMaxLength(100);
    }
}

using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;

namespace ClipSaver.Core.Data.Configurations;

public sealed class DataProtectionKeyConfiguration : IEntityTypeConfiguration<DataProtectionKey>
{
    public void Configure(EntityTypeBuilder<DataProtectionKey> builder) => builder.ToTable("data_protection_keys");
}

namespace ClipSaver.Core.Data.Configurations;

public sealed class InstallIntentConfiguration : IEntityTypeConfiguration<InstallIntent>
{
    public void Configure(EntityTypeBuilder<InstallIntent> builder)
    {
        builder.Property(x => x.State).HasMaxLength(100);
        builder.HasIndex(x => x.State).IsUnique();
        builder.HasIndex(x => x.ExpiresAt);
        builder.HasOne<User>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}

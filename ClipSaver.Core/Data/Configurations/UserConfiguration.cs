namespace ClipSaver.Core.Data.Configurations;

public sealed class UserConfiguration : IEntityTypeConfiguration<User>
{
    public void Configure(EntityTypeBuilder<User> builder)
    {
        builder.Property(x => x.Id).ValueGeneratedNever();
        builder.Property(x => x.Username).HasMaxLength(100);
        builder.Property(x => x.GlobalName).HasMaxLength(100);
        builder.Property(x => x.AvatarHash).HasMaxLength(100);
    }
}

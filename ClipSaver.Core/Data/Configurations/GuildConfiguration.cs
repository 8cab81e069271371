namespace ClipSaver.Core.Data.Configurations;

public sealed class GuildConfiguration : IEntityTypeConfiguration<Guild>
{
    public void Configure(EntityTypeBuilder<Guild> builder)
    {
        builder.Property(x => x.Id).ValueGeneratedNever();
        builder.Property(x => x.Name).HasMaxLength(100);
        builder.Property(x => x.IconHash).HasMaxLength(100);
        builder.HasIndex(x => x.DeletedAt).HasFilter("deleted_at IS NOT NULL");
    }
}

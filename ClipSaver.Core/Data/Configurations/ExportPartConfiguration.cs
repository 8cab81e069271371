namespace ClipSaver.Core.Data.Configurations;

public sealed class ExportPartConfiguration : IEntityTypeConfiguration<ExportPart>
{
    public void Configure(EntityTypeBuilder<ExportPart> builder)
    {
        builder.HasKey(x => new { x.ExportId, x.Number });
        builder.Property(x => x.StorageKey).HasMaxLength(300);
        builder.HasOne<Export>().WithMany().HasForeignKey(x => x.ExportId).OnDelete(DeleteBehavior.Cascade);
    }
}

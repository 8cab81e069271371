namespace ClipSaver.Core.Data.Configurations;

public sealed class GuildSettingsVersionConfiguration : IEntityTypeConfiguration<GuildSettingsVersion>
{
    public void Configure(EntityTypeBuilder<GuildSettingsVersion> builder)
    {
        builder.Property(x => x.ActorName).HasMaxLength(100);
        builder.Property(x => x.ApiTokenName).HasMaxLength(100);
        // The history is part of the guild's data: it goes with the guild (and a guild purge deletes it first).
        builder.HasOne<Guild>().WithMany().HasForeignKey(x => x.GuildId).OnDelete(DeleteBehavior.Cascade);
        // The history pages newest first by id within a guild.
        builder.HasIndex(x => new { x.GuildId, x.Id }).IsDescending(false, true);
    }
}

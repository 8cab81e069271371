namespace ClipSaver.Core.Data.Configurations;

public sealed class UserGuildAccessConfiguration : IEntityTypeConfiguration<UserGuildAccess>
{
    public void Configure(EntityTypeBuilder<UserGuildAccess> builder)
    {
        builder.HasKey(x => new { x.UserId, x.GuildId });
        builder.Property(x => x.GuildName).HasMaxLength(100);
        builder.Property(x => x.GuildIcon).HasMaxLength(100);
        // The OAuth guild list names guilds the bot is not in, so there is no foreign key to guilds.
        builder.HasOne<User>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(x => x.GuildId);
    }
}

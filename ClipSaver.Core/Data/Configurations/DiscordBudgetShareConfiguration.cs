namespace ClipSaver.Core.Data.Configurations;

public sealed class DiscordBudgetShareConfiguration : IEntityTypeConfiguration<DiscordBudgetShare>
{
    public void Configure(EntityTypeBuilder<DiscordBudgetShare> builder)
    {
        builder.HasKey(x => x.InstanceKey);
        builder.Property(x => x.InstanceKey).ValueGeneratedNever();
    }
}

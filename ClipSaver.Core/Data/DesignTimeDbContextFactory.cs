using ClipSaver.Core.Database;
using Microsoft.EntityFrameworkCore.Design;

namespace ClipSaver.Core.Data;

/// <summary>Lets 'dotnet ef migrations add' build the model without starting the app or a database.</summary>
public sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<ClipSaverDbContext>
{
    public ClipSaverDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<ClipSaverDbContext>();
        DatabaseSetup.ConfigureNpgsql(options, Environment.GetEnvironmentVariable("ConnectionStrings__ClipSaver") ?? "Host=localhost;Database=clipsaver_design");
        return new ClipSaverDbContext(options.Options);
    }
}

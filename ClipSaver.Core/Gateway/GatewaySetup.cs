namespace ClipSaver.Core.Gateway;

public static class GatewaySetup
{
    /// <summary>The live bot: the shard leases and connections (<see cref="GatewayService"/>), event handling and live downloads.</summary>
    public static IServiceCollection AddClipSaverGateway(this IServiceCollection services)
    {
        services.AddOptions<GatewayOptions>().BindConfiguration(GatewayOptions.Section).ValidateSection(GatewayOptions.Section);
        services.AddScoped<GatewayEvents>();
        services.AddScoped<GatewayStatus>();
        services.AddScoped<Scanning.ClipIntake>();
        services.AddSingleton<LiveDownloads>();
        services.AddHostedService(sp => sp.GetRequiredService<LiveDownloads>());
        services.AddSingleton<GatewayService>();
        services.AddHostedService(sp => sp.GetRequiredService<GatewayService>());
        return services;
    }
}

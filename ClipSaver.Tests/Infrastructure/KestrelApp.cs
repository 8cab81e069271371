using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace ClipSaver.Tests.Infrastructure;

public static class KestrelApp
{
    /// <summary>Starts the factory's app on a real Kestrel port on loopback (for the browser) and returns its URL.</summary>
    public static string StartOnKestrel(this ClipSaverAppFactory factory)
    {
        factory.UseKestrel(0);
        factory.StartServer();
        var addresses = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!;
        var url = addresses.Addresses.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal);
        factory.KestrelAddress = new Uri(url);
        return url;
    }
}

namespace ClipSaver.Tests.Infrastructure;

/// <summary>Options with a fixed value, for services built by hand in a test.</summary>
public sealed class StaticMonitor<T>(T value) : IOptionsMonitor<T>, IOptions<T>
    where T : class
{
    public T CurrentValue => value;

    public T Value => value;

    public T Get(string? name) => value;

    public IDisposable? OnChange(Action<T, string?> listener) => null;
}

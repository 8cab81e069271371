using System.Collections.Concurrent;
using System.Reflection;
using Amazon.Runtime.Endpoints;
using Amazon.S3.Endpoints;

namespace ClipSaver.Core.Storage;

/// <summary>
/// The SDK's S3 endpoint rules, run once per bucket and settings instead of once per request (decision 029). The
/// rules are one generated method of 28 KB of IL; called for every request, the runtime compiled it three times
/// (first use, profiling, optimised), and the optimising compile alone took about 23 MiB of native memory, which
/// the C library kept afterwards: the app's memory grew by 40 MB in its first export on S3 although nothing of it was
/// in use. Cached, the rules run a handful of times and their method is never recompiled.
/// <para>
/// The cache key is every parameter the rules read except the object's key, prefix and copy source, which the rules
/// never use (they only decide the host, the bucket's place in the path and the signing). A parameter a later SDK
/// adds is in the key by itself: the key is read from the parameters' type, not from a list kept here.
/// </para>
/// </summary>
public sealed class S3EndpointCache(IEndpointProvider rules) : IEndpointProvider
{
    /// <summary>Buckets × settings: one or two in practice; past this the rules simply run each time.</summary>
    private const int MaxEntries = 64;

    private static readonly string[] PerObject = [nameof(S3EndpointParameters.Key), nameof(S3EndpointParameters.Prefix), nameof(S3EndpointParameters.CopySource)];

    private static readonly string[] Keyed = [.. typeof(S3EndpointParameters).GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.GetIndexParameters().Length == 0 && !PerObject.Contains(p.Name))
        .Select(p => p.Name)
        .Order(StringComparer.Ordinal)];

    private readonly ConcurrentDictionary<string, Endpoint> _resolved = new(StringComparer.Ordinal);
    private int _rulesRun;

    /// <summary>The parameters that decide an endpoint (for the tests: the object's key is not among them).</summary>
    public static IReadOnlyList<string> KeyedParameters => Keyed;

    /// <summary>How many times the SDK's rules ran.</summary>
    public int RulesRun => Volatile.Read(ref _rulesRun);

    public Endpoint ResolveEndpoint(EndpointParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var key = string.Join('\u001f', Keyed.Select(name => $"{name}={Format(parameters[name])}"));
        if (!_resolved.TryGetValue(key, out var endpoint))
        {
            // Failures (a bad region, an invalid bucket name) are not cached: they throw every time, as before.
            Interlocked.Increment(ref _rulesRun);
            endpoint = rules.ResolveEndpoint(parameters);
            if (_resolved.Count < MaxEntries)
            {
                _resolved.TryAdd(key, Copy(endpoint));
            }

            return endpoint;
        }

        return Copy(endpoint);
    }

    /// <summary>A copy per request: the SDK appends a slash to the address of a request without a resource path.</summary>
    private static Endpoint Copy(Endpoint endpoint) => new(endpoint.URL) { Attributes = endpoint.Attributes, Headers = endpoint.Headers };

    private static string Format(object? value) => value switch
    {
        null => "-",
        string s => "s:" + s,
        IFormattable f => f.GetType().Name + ":" + f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.GetType().Name + ":" + value,
    };
}

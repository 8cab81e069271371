using System.Net.Sockets;

namespace ClipSaver.Bench;

/// <summary>What the benchmarks that run the app in a process of its own share: ports, waiting, the app's settings.</summary>
internal static class Bench
{
    public const string BotToken = "emulator-bot-token";

    private const string AppPrefix = "BENCHAPP_";

    /// <summary>
    /// The app in Production against the emulator, as a real installation runs against Discord. A variable of the
    /// benchmark's own environment named <c>BENCHAPP_X</c> is given to the app as <c>X</c>, for diagnosis (e.g.
    /// <c>BENCHAPP_DOTNET_JitDisasmSummary=1</c>); the figures in docs/benchmarks.md are taken without any.
    /// </summary>
    public static Dictionary<string, string> AppEnvironment(string connectionString, int appPort, string emulatorBase, string clipsFolder, string operatorId)
    {
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{appPort}",
            ["ConnectionStrings__ClipSaver"] = connectionString,
            ["ClipSaver__Database__MigrateOnStartup"] = "true",
            ["ClipSaver__Operators__0"] = operatorId,
            ["ClipSaver__Jobs__PollInterval"] = "00:00:01",
            ["ClipSaver__Storage__Root"] = clipsFolder,
            ["ClipSaver__Api__RequestsPerMinute"] = "100000",
            ["Discord__ClientId"] = "100000000000000001",
            ["Discord__ClientSecret"] = "emulator-secret",
            ["Discord__BotToken"] = BotToken,
            ["Discord__ApiBaseUrl"] = $"{emulatorBase}api/v10/",
            ["Discord__AuthorizeUrl"] = $"{emulatorBase}oauth2/authorize",
            ["Discord__TokenUrl"] = $"{emulatorBase}api/oauth2/token",
            ["Discord__CdnBaseUrl"] = $"{emulatorBase}cdn/",
        };
        foreach (var (name, value) in Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>().Select(e => ((string)e.Key, (string?)e.Value)))
        {
            if (name.StartsWith(AppPrefix, StringComparison.Ordinal) && value is not null)
            {
                environment[name[AppPrefix.Length..]] = value;
            }
        }

        return environment;
    }

    /// <summary>Creates an API token for <paramref name="owner"/>, starts the app and waits until it answers; the client sends the token.</summary>
    public static async Task<(ChildProcess Server, HttpClient Api)> StartAppAsync(string app, Dictionary<string, string> environment, string owner, int appPort, string log)
    {
        var tokenOutput = await ChildProcess.RunAsync(app, ["tokens", "create", "--user", owner, "--name", "bench"], environment);
        var token = tokenOutput.Split('\n').Select(l => l.Trim()).First(l => l.StartsWith("cs_", StringComparison.Ordinal));
        var server = ChildProcess.Start(app, [], environment, log);
        var api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{appPort}/") };
        api.DefaultRequestHeaders.Authorization = new("Bearer", token);
        await WaitUntilAsync(
            async () => server.HasExited ? throw new InvalidOperationException("The app stopped.") : (await TryGetAsync(api, "health/live")) == HttpStatusCode.OK,
            TimeSpan.FromSeconds(120), "the app to start");
        return (server, api);
    }

    public static JsonElement.ArrayEnumerator Items(JsonElement list) =>
        list.ValueKind == JsonValueKind.Array ? list.EnumerateArray() : list.GetProperty("items").EnumerateArray();

    public static async Task<HttpStatusCode?> TryGetAsync(HttpClient client, string path)
    {
        try
        {
            using var response = await client.GetAsync(path);
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (watch.Elapsed > timeout)
            {
                throw new TimeoutException($"Waited {timeout.TotalSeconds:0} s for {what}.");
            }

            await Task.Delay(250);
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The release (or debug) build of a project of this repository, next to this benchmark's own build.</summary>
    /// <summary>The app to run: the build <c>CLIPSAVER_BUILD</c> names (a published one, or another commit's), else this Release build.</summary>
    public static string AppBuild() => Environment.GetEnvironmentVariable("CLIPSAVER_BUILD") is { Length: > 0 } build
        ? Path.Combine(build, "ClipSaver.Web.dll")
        : FindBuild("ClipSaver.Web", "ClipSaver.Web.dll");

    public static string FindBuild(string project, string dll)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name; // bin/<configuration>/net10.0
        var path = Path.Combine(RepoRoot(), project, "bin", configuration, "net10.0", dll);
        return File.Exists(path) ? path : throw new InvalidOperationException($"{path} is missing: build the solution first.");
    }

    /// <summary>The repository's folder (the one with ClipSaver.sln), above the benchmark's build.</summary>
    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ClipSaver.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Run the benchmark from the repository.");
    }

    public static string Arg(string[] args, string name, string fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }

    public static int IntArg(string[] args, string name, int fallback) =>
        int.Parse(Arg(args, name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

    /// <summary>A comma-separated list of whole numbers, such as <c>--channels 100,1000</c> (one scenario each).</summary>
    public static List<int> IntListArg(string[] args, string name, string fallback) =>
        Arg(args, name, fallback).Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToList();

    /// <summary>
    /// A scratch folder of this run (<c>clipsaver-bench-NAME-PID</c> in the temporary folder) with a PostgreSQL cluster in
    /// its <c>data</c> folder and the database <c>clipsaver</c> in it. The caller disposes the cluster.
    /// </summary>
    public static (string Root, LocalPostgresCluster Cluster, string ConnectionString) StartDatabase(string name)
    {
        var root = Path.Combine(Path.GetTempPath(), $"clipsaver-bench-{name}-{Environment.ProcessId}");
        Directory.CreateDirectory(root);
        var cluster = LocalPostgresCluster.Start(Path.Combine(root, "data"));
        try
        {
            cluster.CreateDatabaseIfMissing("clipsaver");
        }
        catch
        {
            cluster.Dispose();
            throw;
        }

        return (root, cluster, cluster.ConnectionString("clipsaver"));
    }
}

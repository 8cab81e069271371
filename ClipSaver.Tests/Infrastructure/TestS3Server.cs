using System.Net.Sockets;
using Amazon.S3;

namespace ClipSaver.Tests.Infrastructure;

/// <summary>
/// One S3-protocol server per test run (<c>eng/s3/server.js</c>: the npm package <c>s3rver</c> with the multipart
/// calls it lacks), started on a
/// free loopback port in a temporary folder, as <see cref="TestDatabase"/> starts PostgreSQL. Every test gets a bucket
/// of its own, so no test sees another's objects.
/// </summary>
public static class TestS3Server
{
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";
    private static readonly SemaphoreSlim StartLock = new(1, 1);
    private static string? _url;
    private static int _counter;

    /// <summary>
    /// The run's server, started on first use. A failed start is not remembered: the next test tries again (a loaded
    /// machine can be slow to start node, or another process can take the free port first), so one bad moment does not
    /// fail every S3 test of the run.
    /// </summary>
    private static async Task<string> ServerAsync()
    {
        if (_url is { } started)
        {
            return started;
        }

        await StartLock.WaitAsync();
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    return _url ??= await StartAsync();
                }
                catch (InvalidOperationException) when (attempt < 3)
                {
                    // Started on a port taken meanwhile, or too slow: once more on a new port.
                }
            }
        }
        finally
        {
            StartLock.Release();
        }
    }

    /// <summary>Options for a new, empty bucket on the run's server.</summary>
    public static async Task<S3StorageOptions> CreateBucketAsync(long partSizeBytes = S3StorageOptions.MinPartSizeBytes)
    {
        var options = new S3StorageOptions
        {
            ServiceUrl = await ServerAsync(),
            Bucket = $"t{Environment.ProcessId}-{Interlocked.Increment(ref _counter)}",
            AccessKey = AccessKey,
            SecretKey = SecretKey,
            PartSizeBytes = partSizeBytes,
        };
        using var client = ClipStorageSetup.CreateClient(options);
        await client.PutBucketAsync(options.Bucket);
        return options;
    }

    /// <summary>The app's settings for clip storage in <paramref name="bucket"/>.</summary>
    public static Dictionary<string, string?> AppSettings(S3StorageOptions bucket) => new()
    {
        ["ClipSaver:Storage:Kind"] = "S3",
        ["ClipSaver:Storage:S3:ServiceUrl"] = bucket.ServiceUrl,
        ["ClipSaver:Storage:S3:Bucket"] = bucket.Bucket,
        ["ClipSaver:Storage:S3:AccessKey"] = bucket.AccessKey,
        ["ClipSaver:Storage:S3:SecretKey"] = bucket.SecretKey,
    };

    public static S3ClipStorage CreateStorage(S3StorageOptions options) =>
        new(ClipStorageSetup.CreateClient(options), options, NullLogger<S3ClipStorage>.Instance);

    public static IAmazonS3 CreateClient(S3StorageOptions options) => ClipStorageSetup.CreateClient(options);

    /// <summary>eng/s3/server.js, with its packages installed by npm when missing.</summary>
    public static string FindProgram()
    {
        var eng = Path.Combine(RepoRoot(), "eng", "s3");
        var program = Path.Combine(eng, "server.js");
        if (!File.Exists(Path.Combine(eng, "node_modules", "s3rver", "package.json")))
        {
            Run("npm", $"ci --prefix \"{eng}\" --no-audit --no-fund --silent", "Install Node.js and npm (on Debian: apt-get install nodejs npm), then run: npm ci --prefix eng/s3");
        }

        return program;
    }

    /// <summary>The repository's folder (the one with ClipSaver.sln), above the test binaries.</summary>
    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ClipSaver.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("The repository root (ClipSaver.sln) was not found above the test binaries.");
    }

    private static async Task<string> StartAsync()
    {
        var program = FindProgram();
        var root = Path.Combine(Path.GetTempPath(), $"clipsaver-s3-{Environment.ProcessId}");
        Directory.CreateDirectory(root);
        var port = FreePort();
        var process = Process.Start(new ProcessStartInfo("node", $"--openssl-legacy-provider \"{program}\" \"{root}\" {port}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // The server stops by itself once this test process is gone, even when it was killed and ProcessExit never ran.
            Environment = { ["S3_EXIT_WITH"] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        }) ?? throw new InvalidOperationException("node could not be started for the S3 server.");
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line && errors.Count < 20)
            {
                errors.Enqueue(line);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                process.Kill(entireProcessTree: true);
                Directory.Delete(root, recursive: true);
            }
            catch (Exception e) when (e is IOException or InvalidOperationException)
            {
                // Already gone, or files still held a moment; the OS cleans temp folders.
            }
        };

        var url = $"http://127.0.0.1:{port}";
        using var http = new HttpClient();
        for (var i = 0; i < 600; i++)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The S3 server exited at start with code {process.ExitCode}: {string.Join(" / ", errors)}");
            }

            try
            {
                await http.GetAsync(url);
                return url;
            }
            catch (HttpRequestException)
            {
                await Task.Delay(100);
            }
        }

        process.Kill(entireProcessTree: true);
        throw new InvalidOperationException($"The S3 server did not answer within 60 seconds: {string.Join(" / ", errors)}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void Run(string file, string arguments, string hint)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { UseShellExecute = false })
            ?? throw new InvalidOperationException(hint);
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{file} {arguments}' failed with code {process.ExitCode}. {hint}");
        }
    }
}

using Microsoft.Extensions.Logging.Abstractions;

namespace ClipSaver.Core.Database;

/// <summary>
/// A PostgreSQL cluster that ClipSaver starts itself from the server binaries on the machine, for development,
/// demo mode and the tests. It listens only on a unix socket inside its data folder (no TCP port, trust
/// authentication protected by the folder's permissions). As root it runs the server as the <c>postgres</c> user,
/// because <c>initdb</c> and <c>postgres</c> refuse to run as root. See docs/decisions/003-local-postgres.md.
/// </summary>
public sealed partial class LocalPostgresCluster : IDisposable
{
    private const int SocketPort = 5432;
    private readonly ILogger _logger;
    private readonly string? _runAs;
    private bool _startedByUs;

    private LocalPostgresCluster(string dataDirectory, string binDirectory, string? runAs, ILogger logger)
    {
        DataDirectory = dataDirectory;
        BinDirectory = binDirectory;
        _runAs = runAs;
        _logger = logger;
    }

    public string DataDirectory { get; }
    public string BinDirectory { get; }

    /// <summary>The folder that holds the unix socket; Npgsql takes it as the Host.</summary>
    public string SocketDirectory => DataDirectory;

    public string ConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = SocketDirectory,
        Port = SocketPort,
        Username = "postgres",
        Database = database,
        // Hangfire, the web app and jobs share the cluster; a modest pool keeps a demo machine light.
        MaxPoolSize = 50,
    }.ConnectionString;

    /// <summary>The default data folder: the user's data folder, or /var/lib/clipsaver for root.</summary>
    public static string DefaultDataDirectory()
    {
        if (IsRoot())
        {
            // The server runs as 'postgres', which cannot enter /root; a system folder it can own is used instead.
            return "/var/lib/clipsaver/postgres";
        }

        var dataHome = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        if (string.IsNullOrEmpty(dataHome))
        {
            dataHome = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
        }

        return Path.Combine(dataHome, "clipsaver", "postgres");
    }

    /// <summary>
    /// Starts the cluster in <paramref name="dataDirectory"/> (creating it when new), or attaches to it when it is
    /// already running. <paramref name="forTests"/> turns off durability settings that only slow tests down.
    /// </summary>
    public static LocalPostgresCluster Start(string dataDirectory, bool forTests = false, ILogger? logger = null) =>
        Start(dataDirectory, forTests, logger, Environment.GetEnvironmentVariable("PATH"), "/usr/lib/postgresql");

    internal static LocalPostgresCluster Start(string dataDirectory, bool forTests, ILogger? logger, string? searchPath, string debianRoot)
    {
        logger ??= NullLogger.Instance;
        var bin = FindBinDirectory(searchPath, debianRoot) ?? throw new LocalPostgresUnavailableException(
            "No PostgreSQL server binaries were found (pg_ctl and initdb on PATH or under /usr/lib/postgresql/<version>/bin). " +
            "Install the PostgreSQL server (on Debian: 'apt-get install postgresql') or set the connection string " +
            "'ConnectionStrings:ClipSaver' (environment variable ConnectionStrings__ClipSaver) to a PostgreSQL database.");

        string? runAs = null;
        if (IsRoot())
        {
            runAs = "postgres";
            if (!UserExists(runAs))
            {
                throw new LocalPostgresUnavailableException(
                    "ClipSaver runs as root, and PostgreSQL refuses to run as root, but there is no 'postgres' user to run it as. " +
                    "Install the PostgreSQL server package (it creates that user), run ClipSaver as an ordinary user, " +
                    "or set 'ConnectionStrings:ClipSaver'.");
            }
        }

        var cluster = new LocalPostgresCluster(Path.GetFullPath(dataDirectory), bin, runAs, logger);
        cluster.EnsureStarted(forTests);
        return cluster;
    }

    public void CreateDatabaseIfMissing(string database)
    {
        using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        connection.Open();
        using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
        exists.Parameters.AddWithValue("name", database);
        if (exists.ExecuteScalar() is not null)
        {
            return;
        }

        try
        {
            using var create = new NpgsqlCommand($"CREATE DATABASE \"{database.Replace("\"", "", StringComparison.Ordinal)}\"", connection);
            create.ExecuteNonQuery();
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DuplicateDatabase)
        {
            // Another instance created it at the same moment.
        }
    }

    private void EnsureStarted(bool forTests)
    {
        if (!File.Exists(Path.Combine(DataDirectory, "PG_VERSION")))
        {
            InitDb();
        }

        if (IsRunning())
        {
            LogAttached(_logger, DataDirectory);
            return;
        }

        var options = new List<string>
        {
            "-c listen_addresses=''",
            $"-c unix_socket_directories='{SocketDirectory}'",
            "-c unix_socket_permissions=0700",
            $"-p {SocketPort}",
            "-c max_connections=300",
        };
        if (forTests)
        {
            options.AddRange(["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]);
        }

        var logFile = Path.Combine(DataDirectory, "server.log");
        var result = Run("pg_ctl", ["start", "-D", DataDirectory, "-w", "-t", "60", "-l", logFile, "-o", string.Join(' ', options)]);
        if (result.ExitCode != 0)
        {
            // Two instances may race to start the same cluster; the loser finds it running.
            if (IsRunning())
            {
                return;
            }

            throw new LocalPostgresUnavailableException(
                $"The local PostgreSQL server in '{DataDirectory}' did not start (pg_ctl exit code {result.ExitCode}). " +
                $"Its log is '{logFile}'. {result.Output.Trim()}");
        }

        _startedByUs = true;
        LogStarted(_logger, DataDirectory);
    }

    private void InitDb()
    {
        Directory.CreateDirectory(DataDirectory);
        if (_runAs is not null)
        {
            // The parent folders must be enterable by the server's user; the data folder must be its own.
            var parent = Path.GetDirectoryName(DataDirectory)!;
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(parent, File.GetUnixFileMode(parent) | UnixFileMode.OtherExecute | UnixFileMode.GroupExecute);
            }

            var chown = RunPlain("chown", ["-R", $"{_runAs}:", DataDirectory]);
            if (chown.ExitCode != 0)
            {
                throw new LocalPostgresUnavailableException($"Could not give '{DataDirectory}' to the '{_runAs}' user: {chown.Output}");
            }
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(DataDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        // Sorting stays byte order (C: fast, the same everywhere); character classes and case follow Unicode
        // (C.UTF-8), so that lower(), ILIKE and the trigram index fold "É" to "é" as a person expects. Where the
        // system has no C.UTF-8 locale, everything is C (ASCII case folding only).
        string[] initdb = ["-D", DataDirectory, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-instructions"];
        var result = Run("initdb", [.. initdb, "--lc-collate=C", "--lc-ctype=C.UTF-8", "--lc-messages=C", "--lc-monetary=C", "--lc-numeric=C", "--lc-time=C"]);
        if (result.ExitCode != 0)
        {
            // initdb checks the locales before it writes anything: the folder is still empty.
            LogNoUnicodeCtype(_logger, result.Output.Trim());
            result = Run("initdb", [.. initdb, "--locale=C"]);
        }

        if (result.ExitCode != 0)
        {
            throw new LocalPostgresUnavailableException(
                $"initdb failed for '{DataDirectory}' (exit code {result.ExitCode}): {result.Output.Trim()}");
        }

        LogCreated(_logger, DataDirectory);
    }

    internal bool IsRunning() => Run("pg_ctl", ["status", "-D", DataDirectory]).ExitCode == 0;

    /// <summary>Stops the server if this process started it; a server another process started keeps running.</summary>
    public void Dispose()
    {
        if (!_startedByUs)
        {
            return;
        }

        _startedByUs = false;
        var result = Run("pg_ctl", ["stop", "-D", DataDirectory, "-m", "fast", "-w", "-t", "30"]);
        if (result.ExitCode != 0)
        {
            LogStopFailed(_logger, DataDirectory, result.Output);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "initdb could not use the C.UTF-8 character type; the cluster folds case in ASCII only: {Output}")]
    private static partial void LogNoUnicodeCtype(ILogger logger, string output);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created a local PostgreSQL cluster in {DataDirectory}")]
    private static partial void LogCreated(ILogger logger, string dataDirectory);

    [LoggerMessage(Level = LogLevel.Information, Message = "Started the local PostgreSQL cluster in {DataDirectory}")]
    private static partial void LogStarted(ILogger logger, string dataDirectory);

    [LoggerMessage(Level = LogLevel.Information, Message = "Using the local PostgreSQL cluster already running in {DataDirectory}")]
    private static partial void LogAttached(ILogger logger, string dataDirectory);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopping the local PostgreSQL cluster in {DataDirectory} failed: {Output}")]
    private static partial void LogStopFailed(ILogger logger, string dataDirectory, string output);
}

public sealed class LocalPostgresUnavailableException(string message) : Exception(message);

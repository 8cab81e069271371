using System.IO.Pipelines;
using System.Security.Cryptography;

namespace ClipSaver.Bench;

/// <summary>
/// An export of a member's clips (default 10,000 files of 100 KiB, about 1 GB, in 10 channels) by the app in a
/// process of its own, through the API: throughput, and the app's resident memory (sampled, and the kernel's peak)
/// while it builds the export. Against it, with the local folder: copying the same files with <c>cat</c> into one
/// file on the same disk (and the same followed by an fsync). With <c>--storage s3</c> the clips and the export live
/// in a bucket on the S3-protocol server of the tests (eng/s3); against it: reading every object in turn and writing
/// them as one object (what <c>cat</c> is for a bucket).
/// </summary>
public static class ExportBenchmark
{
    private const long Member = 300_000_000_000_000_003;
    private const string Bucket = "clips";

    public static async Task<int> RunAsync(string[] args)
    {
        var clips = Bench.IntArg(args, "--clips", 10000);
        var size = Bench.IntArg(args, "--clip-bytes", 102400);
        var repeat = Bench.IntArg(args, "--repeat", 3);
        // Exports before the measured rounds: a server that has run for a while has compiled its copy loop at the
        // runtime's optimizing tier; the first exports of a fresh process run it at the first tier.
        var warmup = Bench.IntArg(args, "--warmup", 1);
        // Instead of the measurement: rounds that kill the app in the middle of an export (ExportKillRounds).
        var killRounds = Bench.IntArg(args, "--kill-rounds", 0);
        var onS3 = Bench.Arg(args, "--storage", "local") switch
        {
            "local" => false,
            "s3" => true,
            var other => throw new ArgumentException($"--storage is local or s3, not {other}."),
        };
        var app = Bench.AppBuild();
        var (root, cluster, cs) = Bench.StartDatabase("export");
        ChildProcess? s3Server = null;
        try
        {
            await DatabaseMigrator.MigrateAsync(cs, CancellationToken.None);
            var clipsRoot = Path.Combine(root, "clips");
            S3StorageOptions? bucket = null;
            if (onS3)
            {
                (s3Server, bucket) = await StartS3Async(root);
            }

            IClipStorage storage = bucket is null
                ? new LocalFolderClipStorage(Options.Create(new StorageOptions { Root = clipsRoot }))
                : new S3ClipStorage(ClipStorageSetup.CreateClient(bucket), bucket, NullLogger<S3ClipStorage>.Instance);
            var seed = Stopwatch.StartNew();
            var keys = await SeedAsync(cs, storage, clips, size);
            var total = keys.Count * (long)size;
            Console.WriteLine($"{Environment.ProcessorCount} cores; app {app}; storage {(onS3 ? $"S3 ({bucket!.ServiceUrl}, s3rver)" : "local folder")}; {keys.Count:N0} clips of {size:N0} bytes = {total / 1048576.0:N0} MiB, seeded in {seed.Elapsed.TotalSeconds:0.0} s");

            var appPort = Bench.FreePort();
            var environment = Bench.AppEnvironment(cs, appPort, "http://127.0.0.1:9/", clipsRoot, Member.ToString(CultureInfo.InvariantCulture));
            environment["ClipSaver__Jobs__RecurringEnabled"] = "false";
            if (killRounds > 0)
            {
                // The recovery dispatcher runs, and gives an export whose job died a new one 10 s after its last sign
                // of life; parts of about 200 MB, so that a kill finds some stored and one being written.
                environment["ClipSaver__Jobs__RecurringEnabled"] = "true";
                environment["ClipSaver__Recovery__StaleAfter"] = "00:00:10";
                environment["ClipSaver__Exports__PartSizeBytes"] = "200000000";
            }

            if (bucket is not null)
            {
                environment["ClipSaver__Storage__Kind"] = "S3";
                environment["ClipSaver__Storage__S3__ServiceUrl"] = bucket.ServiceUrl!;
                environment["ClipSaver__Storage__S3__Bucket"] = bucket.Bucket!;
                environment["ClipSaver__Storage__S3__AccessKey"] = bucket.AccessKey!;
                environment["ClipSaver__Storage__S3__SecretKey"] = bucket.SecretKey!;
            }

            var (server, api) = await Bench.StartAppAsync(app, environment, Member.ToString(CultureInfo.InvariantCulture), appPort, Path.Combine(root, "app.log"));
            if (killRounds > 0)
            {
                await ExportKillRounds.RunAsync(killRounds, server, api, round => Bench.StartAppAsync(app, environment, Member.ToString(CultureInfo.InvariantCulture), appPort, Path.Combine(root, $"app-{round}.log")), cs, clipsRoot, keys.Count);
                return 0;
            }

            using var serverProcess = server;
            using var apiClient = api;

            // The floor: the same bytes read in turn and written as one file (cat) or one object.
            Func<Task<double>> copy, copySync;
            if (bucket is null)
            {
                var list = Path.Combine(root, "files.txt");
                await File.WriteAllLinesAsync(list, keys.Select(k => Path.Combine(clipsRoot, k)));
                copy = () => CatAsync(list, Path.Combine(root, "cat.out"));
                copySync = () => CatAsync(list, Path.Combine(root, "cat.out"), sync: true);
            }
            else
            {
                copy = copySync = () => CopyObjectsAsync(storage, keys);
            }

            var copySeconds = new List<double>();
            var copySyncSeconds = new List<double>();
            var exportSeconds = new List<double>();
            var pickupSeconds = new List<double>();
            var jobSeconds = new List<double>();
            var onDiskSeconds = new List<double>();
            var idle = server.Memory().Rss;
            long highest = 0, exportBytes = 0;
            // Warm the page cache for both sides alike, then alternate the two.
            await copy();
            for (var i = 0; i < warmup; i++)
            {
                var (seconds, _, rss, pickup, job, _, _) = await ExportAsync(api, server, cs);
                highest = Math.Max(highest, rss);
                Console.WriteLine($"  warm-up {i + 1} (not counted): export {seconds:0.00} s (job picked up after {pickup:0.00} s, ran {job:0.00} s)");
            }

            for (var i = 0; i < repeat; i++)
            {
                copySeconds.Add(await copy());
                if (bucket is null)
                {
                    copySyncSeconds.Add(await copySync());
                }

                var (seconds, bytes, rss, pickup, job, polled, onDisk) = await ExportAsync(api, server, cs);
                exportSeconds.Add(seconds);
                onDiskSeconds.Add(onDisk);
                pickupSeconds.Add(pickup);
                jobSeconds.Add(job);
                (highest, exportBytes) = (Math.Max(highest, rss), bytes);
                var floor = bucket is null ? $"cat {copySeconds[^1]:0.00} s, cat + fsync {copySyncSeconds[^1]:0.00} s" : $"objects copied into one {copySeconds[^1]:0.00} s";
                Console.WriteLine($"  round {i + 1}: {floor}, export {seconds:0.00} s (seen done by polling after {polled:0.00} s; job picked up after {pickup:0.00} s, ran {job:0.00} s; {bytes / 1048576.0:N0} MiB of parts{(bucket is null ? $", on the disk after {onDisk:0.00} s" : "")}), RSS while exporting up to {rss / 1048576.0:0} MiB");
            }

            var (_, peak) = server.Memory();
            var floorMedian = Median(copySeconds);
            var export = Median(exportSeconds);
            Console.WriteLine();
            Console.WriteLine(bucket is null
                ? $"cat of the files into one file: median {floorMedian:0.00} s = {total / 1048576.0 / floorMedian:0} MiB/s"
                : $"objects read in turn, written as one object: median {floorMedian:0.00} s = {total / 1048576.0 / floorMedian:0} MiB/s");
            Console.WriteLine($"export (request to completion): median {export:0.00} s = {exportBytes / 1048576.0 / export:0} MiB/s of ZIP, {total / 1048576.0 / export:0} MiB/s of clip files");
            Console.WriteLine($"of which, medians:              pick-up {Median(pickupSeconds):0.00} s, the job itself {Median(jobSeconds):0.00} s");
            if (bucket is null)
            {
                var catSync = Median(copySyncSeconds);
                var onDisk = Median(onDiskSeconds);
                Console.WriteLine($"cat, then fsync of that file:   median {catSync:0.00} s = {total / 1048576.0 / catSync:0} MiB/s");
                Console.WriteLine($"export until on the disk:       median {onDisk:0.00} s (ready for download before: its parts are fsynced after, decision 031)");
                Console.WriteLine($"export against cat:             {floorMedian / export * 100:0} %; on the disk, against cat + fsync: {catSync / onDisk * 100:0} %");
            }
            else
            {
                Console.WriteLine($"export against the copy:        {floorMedian / export * 100:0} %");
            }

            Console.WriteLine($"app memory (RSS):               idle {idle / 1048576.0:0} MiB, highest sampled while exporting {highest / 1048576.0:0} MiB, process peak {peak / 1048576.0:0} MiB");
        }
        catch
        {
            Console.Error.WriteLine($"The app's log is kept in {root}/app.log.");
            throw;
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            cluster.Dispose();
            s3Server?.Dispose();
            foreach (var dir in new[] { "clips", "data", "s3" })
            {
                if (Directory.Exists(Path.Combine(root, dir)))
                {
                    Directory.Delete(Path.Combine(root, dir), recursive: true);
                }
            }
        }

        return 0;
    }

    /// <summary>The S3-protocol server of the tests and the scale-out script (eng/s3) with one bucket, on a free port.</summary>
    private static async Task<(ChildProcess Server, S3StorageOptions Bucket)> StartS3Async(string root)
    {
        var eng = Path.Combine(Bench.RepoRoot(), "eng", "s3");
        if (!File.Exists(Path.Combine(eng, "node_modules", "s3rver", "package.json")))
        {
            await ChildProcess.RunProgramAsync("npm", ["ci", "--prefix", eng, "--no-audit", "--no-fund", "--silent"]);
        }

        var data = Directory.CreateDirectory(Path.Combine(root, "s3")).FullName;
        var port = Bench.FreePort();
        var server = ChildProcess.StartProgram("node", ["--openssl-legacy-provider", Path.Combine(eng, "server.js"), data, $"{port}", Bucket], new Dictionary<string, string>(), Path.Combine(root, "s3.log"), eng);
        var url = $"http://127.0.0.1:{port}";
        using var probe = new HttpClient { BaseAddress = new Uri(url) };
        await Bench.WaitUntilAsync(
            async () => server.HasExited ? throw new InvalidOperationException("The S3 server stopped; see s3.log.") : await Bench.TryGetAsync(probe, "/") is not null,
            TimeSpan.FromSeconds(30), "the S3 server to start");
        return (server, new S3StorageOptions { ServiceUrl = url, Bucket = Bucket, AccessKey = "S3RVER", SecretKey = "S3RVER" });
    }

    /// <summary>One guild of 10 channels, the member's clips with their files in clip storage; returns the files' keys.</summary>
    private static async Task<List<string>> SeedAsync(string cs, IClipStorage storage, int clips, int size)
    {
        var options = new DbContextOptionsBuilder<ClipSaverDbContext>();
        DatabaseSetup.ConfigureNpgsql(options, cs);
        var now = DateTimeOffset.UtcNow;
        const long guildId = 910_000_000_000_000_001;
        await using var db = new ClipSaverDbContext(options.Options);
        db.Users.Add(new User { Id = Member, Username = "bench-member", CreatedAt = now });
        db.Guilds.Add(new Guild { Id = guildId, Name = "Bench Guild", OwnerId = 1, CreatedAt = now });
        var channels = Enumerable.Range(0, 10).Select(i => new Channel { Id = guildId + 1 + i, GuildId = guildId, Name = $"clips-{i}" }).ToList();
        db.Channels.AddRange(channels);
        await db.SaveChangesAsync();

        var keys = new List<string>(clips);
        var buffer = new byte[size];
        for (var i = 0; i < clips; i++)
        {
            var channel = channels[i % channels.Count].Id;
            var attachment = 920_000_000_000_000_000 + i;
            RandomNumberGenerator.Fill(buffer);
            var key = ClipStorageKeys.ForAttachment(guildId, channel, attachment, "clip.mp4");
            var stored = await storage.PutAsync(key, new MemoryStream(buffer), size, CancellationToken.None);
            keys.Add(key);
            db.Clips.Add(new Clip
            {
                GuildId = guildId,
                ChannelId = channel,
                MessageId = 930_000_000_000_000_000 + i,
                AttachmentId = attachment,
                AuthorId = Member,
                FileName = $"clip-{i}.mp4",
                ContentType = "video/mp4",
                SizeBytes = size,
                PostedAt = now.AddMinutes(-i),
                ArchivedAt = now,
                StorageKey = key,
                Sha256 = stored.Sha256,
                Crc32 = unchecked((int)stored.Crc32),
            });
            if (i % 1000 == 999)
            {
                await db.SaveChangesAsync();
                db.ChangeTracker.Clear();
            }
        }

        await db.SaveChangesAsync();
        return keys;
    }

    /// <summary><c>cat</c> of every file into one file, as the shell would (then, with <paramref name="sync"/>, <c>sync</c> of that file); seconds.</summary>
    private static async Task<double> CatAsync(string list, string output, bool sync = false)
    {
        var watch = Stopwatch.StartNew();
        var info = new ProcessStartInfo("sh") { ArgumentList = { "-c", $"xargs -a '{list}' cat > '{output}'" + (sync ? $" && sync '{output}'" : "") } };
        using var process = Process.Start(info)!;
        await process.WaitForExitAsync();
        var seconds = watch.Elapsed.TotalSeconds;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException("cat failed.");
        }

        File.Delete(output);
        return seconds;
    }

    /// <summary>Every object read in turn (one GET each) and written as one object, then deleted; seconds.</summary>
    private static async Task<double> CopyObjectsAsync(IClipStorage storage, List<string> keys)
    {
        var watch = Stopwatch.StartNew();
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 4 << 20, resumeWriterThreshold: 2 << 20));
        var put = storage.PutWithoutChecksumAsync("bench/copy.bin", pipe.Reader, long.MaxValue, CancellationToken.None);
        await using (var target = pipe.Writer.AsStream())
        {
            foreach (var key in keys)
            {
                await using var source = await storage.OpenSequentialReadAsync(key, CancellationToken.None) ?? throw new InvalidOperationException($"{key} is missing.");
                await source.CopyToAsync(target);
            }
        }

        await put;
        var seconds = watch.Elapsed.TotalSeconds;
        await storage.DeleteAsync("bench/copy.bin", CancellationToken.None);
        return seconds;
    }

    /// <summary>
    /// Requests an export, follows it to the end sampling the app's memory, deletes it. Its time: the request's round
    /// trip plus, from the export's row, its creation to its completion (the status polled every 100 ms would add up to
    /// 100 ms of the benchmark's own to a run of half a second; that figure is returned too). Also the bytes of parts,
    /// the highest RSS, and the seconds until the job started and that the job ran.
    /// </summary>
    private static async Task<(double Seconds, long Bytes, long Rss, double Pickup, double Job, double Polled, double OnDisk)> ExportAsync(HttpClient api, ChildProcess server, string cs)
    {
        var watch = Stopwatch.StartNew();
        var accepted = await api.PostAsJsonAsync("api/me/exports", new { });
        accepted.EnsureSuccessStatusCode();
        var request = watch.Elapsed.TotalSeconds;
        var location = accepted.Headers.Location!.ToString().TrimStart('/');
        long highest = 0;
        double pickup, job, seconds;
        JsonElement status;
        while (true)
        {
            highest = Math.Max(highest, server.Memory().Rss);
            status = await api.GetFromJsonAsync<JsonElement>(location);
            var state = status.GetProperty("status").GetString();
            if (state == "completed")
            {
                break;
            }

            if (state == "failed" || server.HasExited)
            {
                throw new InvalidOperationException($"The export failed: {status}");
            }

            await Task.Delay(100);
        }

        var polled = watch.Elapsed.TotalSeconds;
        var bytes = status.GetProperty("parts").EnumerateArray().Sum(p => p.GetProperty("sizeBytes").GetInt64());
        await using (var connection = new NpgsqlConnection(cs))
        {
            await connection.OpenAsync();
            await using var times = new NpgsqlCommand("select extract(epoch from started_at - created_at), extract(epoch from finished_at - started_at), extract(epoch from finished_at - created_at) from exports where id = @id", connection);
            times.Parameters.AddWithValue("id", long.Parse(location.Split('/')[^1], CultureInfo.InvariantCulture));
            await using var row = await times.ExecuteReaderAsync();
            await row.ReadAsync();
            (pickup, job) = ((double)row.GetDecimal(0), (double)row.GetDecimal(1));
            seconds = request + (double)row.GetDecimal(2);
        }

        // A local folder's parts count once written and go on the disk after (decision 031): how long until they are
        // there, from the request; and the next round starts only then, its cat not sharing the disk with that fsync.
        await using (var connection = new NpgsqlConnection(cs))
        {
            await connection.OpenAsync();
            await using var unsynced = new NpgsqlCommand("select count(*) from export_parts where export_id = @id and unsynced_boot is not null", connection);
            unsynced.Parameters.AddWithValue("id", long.Parse(location.Split('/')[^1], CultureInfo.InvariantCulture));
            while ((long)(await unsynced.ExecuteScalarAsync())! > 0)
            {
                await Task.Delay(10);
            }
        }

        var onDisk = watch.Elapsed.TotalSeconds;
        (await api.DeleteAsync(location)).EnsureSuccessStatusCode();
        return (seconds, bytes, highest, pickup, job, polled, onDisk);
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
}

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using ClipSaver.Core.Data;
using ClipSaver.Core.Database;
using ClipSaver.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ClipSaver.Bench;

/// <summary>
/// An export of a member's clips (default 10,000 files of 100 KiB, about 1 GB, in 10 channels) by the app in a
/// process of its own, through the API, against copying the same files with <c>cat</c> into one file on the same
/// disk: throughput, and the app's resident memory (sampled, and the kernel's peak) while it builds the export.
/// </summary>
public static class ExportBenchmark
{
    private const long Member = 300_000_000_000_000_003;

    public static async Task<int> RunAsync(string[] args)
    {
        var clips = int.Parse(Bench.Arg(args, "--clips", "10000"), CultureInfo.InvariantCulture);
        var size = int.Parse(Bench.Arg(args, "--clip-bytes", "102400"), CultureInfo.InvariantCulture);
        var repeat = int.Parse(Bench.Arg(args, "--repeat", "3"), CultureInfo.InvariantCulture);
        var app = Bench.FindBuild("ClipSaver.Web", "ClipSaver.Web.dll");
        var root = Path.Combine(Path.GetTempPath(), $"clipsaver-bench-export-{Environment.ProcessId}");
        Directory.CreateDirectory(root);
        var cluster = LocalPostgresCluster.Start(Path.Combine(root, "data"));
        try
        {
            cluster.CreateDatabaseIfMissing("clipsaver");
            var cs = cluster.ConnectionString("clipsaver");
            await DatabaseMigrator.MigrateAsync(cs, CancellationToken.None);
            var clipsRoot = Path.Combine(root, "clips");
            var seed = Stopwatch.StartNew();
            var files = await SeedAsync(cs, clipsRoot, clips, size);
            var total = files.Count * (long)size;
            Console.WriteLine($"{Environment.ProcessorCount} cores; {files.Count:N0} clips of {size:N0} bytes = {total / 1048576.0:N0} MiB, seeded in {seed.Elapsed.TotalSeconds:0.0} s");

            var appPort = Bench.FreePort();
            var environment = Bench.AppEnvironment(cs, appPort, "http://127.0.0.1:9/", clipsRoot, Member.ToString(CultureInfo.InvariantCulture));
            environment["ClipSaver__Jobs__RecurringEnabled"] = "false";
            var tokenOutput = await ChildProcess.RunAsync(app, ["tokens", "create", "--user", Member.ToString(CultureInfo.InvariantCulture), "--name", "bench"], environment);
            var token = tokenOutput.Split('\n').Select(l => l.Trim()).First(l => l.StartsWith("cs_", StringComparison.Ordinal));
            using var server = ChildProcess.Start(app, [], environment, Path.Combine(root, "app.log"));
            using var api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{appPort}/"), Timeout = TimeSpan.FromMinutes(5) };
            api.DefaultRequestHeaders.Authorization = new("Bearer", token);
            await Bench.WaitUntilAsync(
                async () => server.HasExited ? throw new InvalidOperationException("The app stopped.") : (await Bench.TryGetAsync(api, "health/live")) == HttpStatusCode.OK,
                TimeSpan.FromSeconds(120), "the app to start");

            var list = Path.Combine(root, "files.txt");
            await File.WriteAllLinesAsync(list, files);
            var catSeconds = new List<double>();
            var catSyncSeconds = new List<double>();
            var exportSeconds = new List<double>();
            var idle = server.Memory().Rss;
            long highest = 0, exportBytes = 0;
            // Warm the page cache for both sides alike, then alternate the two.
            await CatAsync(list, Path.Combine(root, "cat.out"));
            for (var i = 0; i < repeat; i++)
            {
                catSeconds.Add(await CatAsync(list, Path.Combine(root, "cat.out")));
                catSyncSeconds.Add(await CatAsync(list, Path.Combine(root, "cat.out"), sync: true));
                var (seconds, bytes, rss) = await ExportAsync(api, server);
                exportSeconds.Add(seconds);
                (highest, exportBytes) = (Math.Max(highest, rss), bytes);
                Console.WriteLine($"  round {i + 1}: cat {catSeconds[^1]:0.00} s, cat + fsync {catSyncSeconds[^1]:0.00} s, export {seconds:0.00} s ({bytes / 1048576.0:N0} MiB of parts), RSS while exporting up to {rss / 1048576.0:0} MiB");
            }

            var (_, peak) = server.Memory();
            var cat = Median(catSeconds);
            var catSync = Median(catSyncSeconds);
            var export = Median(exportSeconds);
            Console.WriteLine();
            Console.WriteLine($"cat of the files into one file: median {cat:0.00} s = {total / 1048576.0 / cat:0} MiB/s");
            Console.WriteLine($"export (job, through the API):  median {export:0.00} s = {exportBytes / 1048576.0 / export:0} MiB/s of ZIP, {total / 1048576.0 / export:0} MiB/s of clip files");
            Console.WriteLine($"cat, then fsync of that file:   median {catSync:0.00} s = {total / 1048576.0 / catSync:0} MiB/s (the export's parts are fsynced before they count)");
            Console.WriteLine($"export against cat:             {cat / export * 100:0} %; against cat + fsync: {catSync / export * 100:0} %");
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
            foreach (var dir in new[] { "clips", "data" })
            {
                if (Directory.Exists(Path.Combine(root, dir)))
                {
                    Directory.Delete(Path.Combine(root, dir), recursive: true);
                }
            }
        }

        return 0;
    }

    /// <summary>One guild of 10 channels, the member's clips with their files in clip storage; returns the files' paths.</summary>
    private static async Task<List<string>> SeedAsync(string cs, string clipsRoot, int clips, int size)
    {
        var options = new DbContextOptionsBuilder<ClipSaverDbContext>();
        DatabaseSetup.ConfigureNpgsql(options, cs);
        var storage = new LocalFolderClipStorage(Options.Create(new StorageOptions { Root = clipsRoot }));
        var now = DateTimeOffset.UtcNow;
        const long guildId = 910_000_000_000_000_001;
        await using var db = new ClipSaverDbContext(options.Options);
        db.Users.Add(new User { Id = Member, Username = "bench-member", CreatedAt = now });
        db.Guilds.Add(new Guild { Id = guildId, Name = "Bench Guild", OwnerId = 1, CreatedAt = now });
        var channels = Enumerable.Range(0, 10).Select(i => new Channel { Id = guildId + 1 + i, GuildId = guildId, Name = $"clips-{i}" }).ToList();
        db.Channels.AddRange(channels);
        await db.SaveChangesAsync();

        var paths = new List<string>(clips);
        var buffer = new byte[size];
        for (var i = 0; i < clips; i++)
        {
            var channel = channels[i % channels.Count].Id;
            var attachment = 920_000_000_000_000_000 + i;
            RandomNumberGenerator.Fill(buffer);
            var key = ClipStorageKeys.ForAttachment(guildId, channel, attachment, "clip.mp4");
            var stored = await storage.PutAsync(key, new MemoryStream(buffer), size, CancellationToken.None);
            paths.Add(Path.Combine(clipsRoot, key));
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
            });
            if (i % 1000 == 999)
            {
                await db.SaveChangesAsync();
                db.ChangeTracker.Clear();
            }
        }

        await db.SaveChangesAsync();
        return paths;
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

    /// <summary>Requests an export, follows it to the end sampling the app's memory, deletes it; seconds, bytes of parts, highest RSS.</summary>
    private static async Task<(double Seconds, long Bytes, long Rss)> ExportAsync(HttpClient api, ChildProcess server)
    {
        var watch = Stopwatch.StartNew();
        var accepted = await api.PostAsJsonAsync("api/me/exports", new { });
        accepted.EnsureSuccessStatusCode();
        var location = accepted.Headers.Location!.ToString().TrimStart('/');
        long highest = 0;
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

        var seconds = watch.Elapsed.TotalSeconds;
        var bytes = status.GetProperty("parts").EnumerateArray().Sum(p => p.GetProperty("sizeBytes").GetInt64());
        (await api.DeleteAsync(location)).EnsureSuccessStatusCode();
        return (seconds, bytes, highest);
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
}

using ClipSaver.Core.Storage;

namespace ClipSaver.Web;

/// <summary>
/// <c>storage move --to s3|local [--parallel n]</c>: copies the archive from the local folder
/// (<c>ClipSaver:Storage:Root</c>) to the bucket (<c>ClipSaver:Storage:S3:*</c>) or back, verifying every file. Safe
/// while the app runs; run it again after switching <c>ClipSaver:Storage:Kind</c> to pick up what arrived meanwhile.
/// </summary>
internal static class StorageCommand
{
    public const string Usage = "Usage: storage move --to s3|local [--parallel <1-32>]";

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        if (args is not ["move", "--to", var to, .. var rest] || !(to.Equals("s3", StringComparison.OrdinalIgnoreCase) || to.Equals("local", StringComparison.OrdinalIgnoreCase)))
        {
            await error.WriteLineAsync(Usage);
            return 2;
        }

        var parallel = 4;
        if (rest is ["--parallel", var p, ..] && (!int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out parallel) || parallel is < 1 or > 32))
        {
            await error.WriteLineAsync($"--parallel must be a whole number from 1 to 32. {Usage}");
            return 2;
        }

        await using var app = await CommandHost.TryBuildAsync(args, error);
        if (app is null)
        {
            return 2;
        }

        var options = app.Services.GetRequiredService<IOptions<StorageOptions>>().Value;
        var s3Problems = options.S3.Validate().Select(r => $"{StorageOptions.Section}:S3:{string.Join(", ", r.MemberNames)}: {r.ErrorMessage}").ToList();
        if (s3Problems.Count > 0)
        {
            await error.WriteLineAsync("The bucket is not configured: " + string.Join(" ", s3Problems));
            return 2;
        }

        var local = new LocalFolderClipStorage(Options.Create(options));
        using var client = ClipStorageSetup.CreateClient(options.S3);
        var bucket = new S3ClipStorage(client, options.S3, app.Services.GetRequiredService<ILogger<S3ClipStorage>>());
        var toS3 = to.Equals("s3", StringComparison.OrdinalIgnoreCase);
        var (source, target) = toS3 ? ((IClipStorage)local, (IClipStorage)bucket) : (bucket, local);
        if (await target.CheckHealthAsync(CancellationToken.None) is { Healthy: false } health)
        {
            await error.WriteLineAsync($"The target cannot be written: {health.Description}");
            return 1;
        }

        await output.WriteLineAsync(toS3 ? $"Copying {local.Root} to bucket {options.S3.Bucket}…" : $"Copying bucket {options.S3.Bucket} to {local.Root}…");
        await using var scope = app.Services.CreateAsyncScope();
        var move = new StorageMove(scope.ServiceProvider.GetRequiredService<ClipSaverDbContext>(), source, target);
        var last = DateTime.MinValue;
        var progress = new SynchronousProgress(p =>
        {
            if (p.Done == p.Files || DateTime.UtcNow - last > TimeSpan.FromSeconds(2))
            {
                last = DateTime.UtcNow;
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{p.Done}/{p.Files} files, {p.BytesCopied / 1048576.0:0.0} MiB copied, {p.Failed} failed"));
            }
        });
        var report = await move.RunAsync(parallel, progress, CancellationToken.None);
        foreach (var failure in report.Failures)
        {
            await error.WriteLineAsync(failure);
        }

        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Done: {report.Files} files, {report.Copied} copied and verified, {report.Skipped} already there, {report.Failures.Count} failed."));
        return report.Succeeded ? 0 : 1;
    }

    /// <summary>Reports on the caller's thread (Progress&lt;T&gt; posts to the thread pool, out of order).</summary>
    private sealed class SynchronousProgress(Action<StorageMoveProgress> report) : IProgress<StorageMoveProgress>
    {
        public void Report(StorageMoveProgress value) => report(value);
    }
}

using ClipSaver.Web;

namespace ClipSaver.Tests.Storage;

/// <summary><c>storage move --to s3|local</c>: copies and verifies every file, resumes, and says what it could not move.</summary>
public sealed class StorageCommandTests : DatabaseTestBase
{
    private readonly string _root = Directory.CreateTempSubdirectory("clipsaver-move-").FullName;
    private S3StorageOptions _bucket = null!;
    private LocalFolderClipStorage _local = null!;
    private S3ClipStorage _s3 = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _bucket = await TestS3Server.CreateBucketAsync();
        _local = new LocalFolderClipStorage(Options.Create(new StorageOptions { Root = _root }));
        _s3 = TestS3Server.CreateStorage(_bucket);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    private string[] Configuration() =>
    [
        "--environment=Development",
        $"--ConnectionStrings:ClipSaver={Db.ConnectionString}",
        "--ClipSaver:Database:MigrateOnStartup=false",
        $"--ClipSaver:Storage:Root={_root}",
        $"--ClipSaver:Storage:S3:ServiceUrl={_bucket.ServiceUrl}",
        $"--ClipSaver:Storage:S3:Bucket={_bucket.Bucket}",
        $"--ClipSaver:Storage:S3:AccessKey={_bucket.AccessKey}",
        $"--ClipSaver:Storage:S3:SecretKey={_bucket.SecretKey}",
    ];

    private async Task<(int Code, string Output, string Error)> MoveAsync(string to)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await StorageCommand.RunAsync(["move", "--to", to, "--parallel", "3", .. Configuration()], output, error);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>Clips with stored files in the local folder, each row with its checksum.</summary>
    private async Task<Dictionary<string, byte[]>> SeedLocalAsync(int count)
    {
        var (guild, channel) = await AddGuildWithChannelAsync();
        var author = await AddUserAsync("author");
        var files = new Dictionary<string, byte[]>();
        await using var db = Db.CreateContext();
        for (var i = 0; i < count; i++)
        {
            var bytes = RandomNumberGenerator.GetBytes(1000 + (i * 37));
            var key = ClipStorageKeys.ForAttachment(guild, channel, TestData.NewId(), "clip.mp4");
            var stored = await _local.PutAsync(key, new MemoryStream(bytes), long.MaxValue, CancellationToken.None);
            db.Clips.Add(TestData.Clip(guild, channel, author, sizeBytes: bytes.Length, storageKey: key, sha256: stored.Sha256, crc32: stored.Crc32));
            files[key] = bytes;
        }

        await db.SaveChangesAsync();
        return files;
    }

    private static async Task<byte[]> ReadAsync(IClipStorage storage, string key)
    {
        await using var stream = await storage.OpenReadAsync(key, CancellationToken.None);
        using var copy = new MemoryStream();
        await stream!.CopyToAsync(copy);
        return copy.ToArray();
    }

    [Fact]
    public async Task The_archive_moves_to_the_bucket_verified_and_a_second_run_copies_nothing_again()
    {
        var files = await SeedLocalAsync(12);

        var first = await MoveAsync("s3");

        Assert.True(first.Code == 0, first.Error);
        Assert.Contains("Done: 12 files, 12 copied and verified, 0 already there, 0 failed.", first.Output, StringComparison.Ordinal);
        Assert.Contains("12/12 files", first.Output, StringComparison.Ordinal);
        foreach (var (key, bytes) in files)
        {
            Assert.Equal(bytes, await ReadAsync(_s3, key));
        }

        var again = await MoveAsync("s3");
        Assert.Equal(0, again.Code);
        Assert.Contains("Done: 12 files, 0 copied and verified, 12 already there, 0 failed.", again.Output, StringComparison.Ordinal);
        Assert.Equal(12, await _local.ListAsync("", CancellationToken.None).CountAsync()); // the source is never touched
    }

    [Fact]
    public async Task A_stopped_move_resumes_and_a_wrong_copy_in_the_target_is_replaced()
    {
        var files = await SeedLocalAsync(5);
        var keys = files.Keys.Order(StringComparer.Ordinal).ToList();
        // Where a stopped run left off: two files there, one of them with other bytes of the same length.
        await _s3.PutAsync(keys[0], new MemoryStream(files[keys[0]]), long.MaxValue, CancellationToken.None);
        await _s3.PutAsync(keys[1], new MemoryStream(new byte[files[keys[1]].Length]), long.MaxValue, CancellationToken.None);

        var run = await MoveAsync("s3");

        Assert.True(run.Code == 0, run.Error);
        Assert.Contains("Done: 5 files, 4 copied and verified, 1 already there, 0 failed.", run.Output, StringComparison.Ordinal);
        Assert.Equal(files[keys[1]], await ReadAsync(_s3, keys[1]));
    }

    [Fact]
    public async Task A_source_file_that_does_not_match_its_clip_is_named_and_the_run_fails_and_the_bucket_moves_back()
    {
        var files = await SeedLocalAsync(3);
        var damaged = files.Keys.First();
        await File.WriteAllBytesAsync(Path.Combine(_root, damaged), new byte[10]);

        var run = await MoveAsync("s3");

        Assert.Equal(1, run.Code);
        Assert.Contains($"{damaged}: the source file does not match its clip's checksum", run.Error, StringComparison.Ordinal);

        // And back, into an empty folder.
        foreach (var file in Directory.EnumerateFileSystemEntries(_root))
        {
            if (Directory.Exists(file))
            {
                Directory.Delete(file, recursive: true);
            }
        }

        var back = await MoveAsync("local");
        Assert.Equal(1, back.Code); // the damaged file is still damaged, and named again
        Assert.Contains("Done: 3 files, 3 copied and verified", back.Output, StringComparison.Ordinal);
        foreach (var key in files.Keys.Where(k => k != damaged))
        {
            Assert.Equal(files[key], await ReadAsync(_local, key));
        }
    }

    [Theory]
    [InlineData(new[] { "move" }, "Usage: storage move")]
    [InlineData(new[] { "move", "--to", "azure" }, "Usage: storage move")]
    [InlineData(new[] { "move", "--to", "s3", "--parallel", "0" }, "--parallel must be")]
    public async Task Bad_arguments_are_refused_with_the_usage(string[] args, string message)
    {
        var error = new StringWriter();

        Assert.Equal(2, await StorageCommand.RunAsync(args, new StringWriter(), error));
        Assert.Contains(message, error.ToString(), StringComparison.Ordinal);
    }
}

using System.IO.Compression;
using ClipSaver.Core.Exports;

namespace ClipSaver.Tests.Exports;

/// <summary>
/// Exports: what they hold, their parts and manifest, who may download them, one at a time, a crash in the middle;
/// with the clips and the parts in the local folder here, and in a bucket in <see cref="ExportOnS3Tests"/>.
/// </summary>
public class ExportTests : ClipClubTestBase
{
    private S3StorageOptions? _bucket;

    /// <summary>The clips' files and the export's parts in a bucket on the run's S3-protocol server.</summary>
    protected virtual bool OnS3 => false;

    /// <summary>Parts this small hold one 2 000-byte file each (a file that would take a part past the size starts the next).</summary>
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>(_bucket is null ? [] : TestS3Server.AppSettings(_bucket))
    {
        ["ClipSaver:Exports:PartSizeBytes"] = "3000",
    };

    public override async Task InitializeAsync()
    {
        _bucket = OnS3 ? await TestS3Server.CreateBucketAsync() : null;
        await base.InitializeAsync();
        Assert.IsType(OnS3 ? typeof(S3ClipStorage) : typeof(LocalFolderClipStorage), App.Services.GetRequiredService<IClipStorage>());
    }

    private static long MemberId => TestDiscord.Id(DemoUsers.Member.Id);

    private static long OwnerId => TestDiscord.Id(DemoUsers.Owner.Id);

    /// <summary>A clip with a stored file of 2 000 random bytes (or <paramref name="bytes"/>); returns its id and the file's SHA-256.</summary>
    private async Task<(long Id, string Sha256)> ClipAsync(long authorId, string fileName, int minutesAgo, long? channelId = null, int bytes = 2000)
    {
        await using var db = Db.CreateContext();
        var clip = TestData.Clip(GuildId, channelId ?? ChannelId, authorId, fileName, bytes, DateTimeOffset.UtcNow.AddMinutes(-minutesAgo), contentType: "video/mp4");
        db.Clips.Add(clip);
        await db.SaveChangesAsync();
        var key = ClipStorageKeys.ForAttachment(GuildId, clip.ChannelId, clip.Id, fileName);
        StoredFile stored = null!;
        await RunAsync<IClipStorage>(async s => stored = await s.PutAsync(key, new MemoryStream(RandomNumberGenerator.GetBytes(bytes)), bytes, CancellationToken.None));
        await db.Clips.Where(c => c.Id == clip.Id).ExecuteUpdateAsync(s => s.SetProperty(c => c.StorageKey, key).SetProperty(c => c.Sha256, stored.Sha256)
            .SetProperty(c => c.Crc32, unchecked((int)stored.Crc32)));
        return (clip.Id, stored.Sha256);
    }

    private static async Task<long> AcceptedAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var location = response.Headers.Location!.ToString();
        Assert.StartsWith("/api/exports/", location, StringComparison.Ordinal);
        return long.Parse(location.Split('/')[^1], System.Globalization.CultureInfo.InvariantCulture);
    }

    private Task BuildAsync(long exportId) => RunAsync<ExportJob>(j => j.RunAsync(exportId, CancellationToken.None));

    /// <summary>The export job on the app's services, with another storage or part size than the app's.</summary>
    private async Task RunJobAsync(long exportId, IClipStorage storage, long? partSizeBytes = null)
    {
        await using var scope = App.Services.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var options = services.GetRequiredService<IOptionsMonitor<ExportOptions>>();
        var job = new ExportJob(services.GetRequiredService<ClipSaverDbContext>(), services.GetRequiredService<ClipSaverConnection>(), storage,
            partSizeBytes is { } size ? new StaticMonitor<ExportOptions>(new ExportOptions { PartSizeBytes = size, Keep = options.CurrentValue.Keep }) : options,
            TimeProvider.System, NullLogger<ExportJob>.Instance);
        await job.RunAsync(exportId, CancellationToken.None);
    }

    /// <summary>Every part downloaded and opened: the files' paths with their bytes' SHA-256, and the manifests' rows.</summary>
    private static async Task<(Dictionary<string, string> Files, List<JsonElement> Manifest, List<string> Csv)> ReadPartsAsync(HttpClient client, long exportId)
    {
        var status = JsonDocument.Parse(await client.GetStringAsync($"/api/exports/{exportId}")).RootElement;
        Assert.Equal("completed", status.GetProperty("status").GetString());
        var files = new Dictionary<string, string>();
        var manifest = new List<JsonElement>();
        var csv = new List<string>();
        foreach (var part in status.GetProperty("parts").EnumerateArray())
        {
            var bytes = await client.GetByteArrayAsync(part.GetProperty("url").GetString());
            Assert.Equal(part.GetProperty("sizeBytes").GetInt64(), bytes.Length);
            await using var zip = new ZipArchive(new MemoryStream(bytes), ZipArchiveMode.Read);
            foreach (var entry in zip.Entries)
            {
                await using var content = await entry.OpenAsync();
                if (entry.FullName == "manifest.json")
                {
                    manifest.AddRange((await JsonDocument.ParseAsync(content)).RootElement.GetProperty("clips").EnumerateArray());
                }
                else if (entry.FullName == "manifest.csv")
                {
                    csv.AddRange((await new StreamReader(content).ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1));
                }
                else
                {
                    files.Add(entry.FullName, Convert.ToHexStringLower(await SHA256.HashDataAsync(content)));
                }
            }
        }

        return (files, manifest, csv);
    }

    [Fact]
    public async Task A_members_export_holds_exactly_their_clips_in_parts_with_a_manifest_and_only_they_can_download_it()
    {
        var member = await ApiClientAsync(DemoUsers.Member.Id);
        var owner = await ApiClientAsync(DemoUsers.Owner.Id);
        var mine = new[] { await ClipAsync(MemberId, "one.mp4", 3), await ClipAsync(MemberId, "two.mp4", 2), await ClipAsync(MemberId, "three.mp4", 1) };
        await ClipAsync(OwnerId, "owners.mp4", 1);

        var id = await AcceptedAsync(await member.PostAsJsonAsync("/api/me/exports", new { }));
        Assert.Equal(HttpStatusCode.Conflict, (await member.PostAsJsonAsync("/api/me/exports", new { })).StatusCode);
        await BuildAsync(id);

        var (files, manifest, csv) = await ReadPartsAsync(member, id);
        Assert.Equal(3, JsonDocument.Parse(await member.GetStringAsync($"/api/exports/{id}")).RootElement.GetProperty("parts").GetArrayLength());
        Assert.Equal(mine.Select(m => m.Sha256).Order(), files.Values.Order());
        Assert.Equal(mine.Select(m => m.Sha256).Order(), manifest.Select(m => m.GetProperty("sha256").GetString()).Order());
        Assert.Equal(3, csv.Count);
        Assert.All(manifest, m =>
        {
            Assert.Equal(2000, m.GetProperty("size_bytes").GetInt64());
            Assert.StartsWith($"https://discord.com/channels/{GuildId}/{ChannelId}/", m.GetProperty("message_link").GetString(), StringComparison.Ordinal);
            Assert.Contains(m.GetProperty("path").GetString()!, files.Keys);
            Assert.Equal(ChannelName, m.GetProperty("channel").GetString());
        });
        Assert.DoesNotContain(files.Keys, k => k.Contains("owners", StringComparison.Ordinal));

        // Ranges, and nobody else: the guild's owner does not see a member's export.
        using var ranged = new HttpRequestMessage(HttpMethod.Get, $"/api/exports/{id}/parts/1");
        ranged.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(0, 3);
        var head = await member.SendAsync(ranged);
        Assert.Equal(HttpStatusCode.PartialContent, head.StatusCode);
        Assert.Equal("PK\u0003\u0004"u8.ToArray(), await head.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await owner.GetAsync($"/api/exports/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await owner.GetAsync($"/api/exports/{id}/parts/1")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await owner.DeleteAsync($"/api/exports/{id}")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await member.DeleteAsync($"/api/exports/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await member.GetAsync($"/api/exports/{id}/parts/1")).StatusCode);
        Assert.Empty(await App.Services.GetRequiredService<IClipStorage>().ListAsync(ExportKeys.Of(id), CancellationToken.None).ToListAsync());
    }

    [Fact]
    public async Task An_export_of_no_clips_is_one_part_with_an_empty_manifest()
    {
        var member = await ApiClientAsync(DemoUsers.Member.Id);
        await ClipAsync(OwnerId, "owners.mp4", 1);

        var id = await AcceptedAsync(await member.PostAsJsonAsync("/api/me/exports", new { }));
        await BuildAsync(id);

        var (files, manifest, csv) = await ReadPartsAsync(member, id);
        Assert.Empty(files);
        Assert.Empty(manifest);
        Assert.Empty(csv);
        var status = JsonDocument.Parse(await member.GetStringAsync($"/api/exports/{id}")).RootElement;
        Assert.Equal(1, status.GetProperty("parts").GetArrayLength());
        Assert.Equal(0, status.GetProperty("clipsDone").GetInt64());
    }

    [Fact]
    public async Task An_owners_export_of_a_channel_holds_everyones_clips_there_in_a_folder_per_channel_and_is_the_owners_alone()
    {
        var owner = await ApiClientAsync(DemoUsers.Owner.Id);
        var manager = await ApiClientAsync(DemoUsers.Manager.Id);
        var member = await ApiClientAsync(DemoUsers.Member.Id);
        long otherChannel;
        await using (var db = Db.CreateContext())
        {
            otherChannel = await db.Channels.Where(c => c.GuildId == GuildId && c.Id != ChannelId && c.Type == 0).Select(c => c.Id).FirstAsync();
        }

        var a = await ClipAsync(MemberId, "members.mp4", 2);
        var b = await ClipAsync(OwnerId, "owners.mp4", 1);
        await ClipAsync(OwnerId, "elsewhere.mp4", 1, otherChannel);

        Assert.Equal(HttpStatusCode.NotFound, (await member.PostAsJsonAsync($"/api/guilds/{GuildId}/exports", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await manager.PostAsJsonAsync($"/api/guilds/{GuildId}/exports", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await owner.PostAsJsonAsync($"/api/guilds/{GuildId}/exports", new { channelId = "12345" })).StatusCode);
        var id = await AcceptedAsync(await owner.PostAsJsonAsync($"/api/guilds/{GuildId}/exports", new { channelId = ChannelId.ToString(System.Globalization.CultureInfo.InvariantCulture) }));
        await BuildAsync(id);

        var (files, _, _) = await ReadPartsAsync(owner, id);
        Assert.Equal(new[] { a.Sha256, b.Sha256 }.Order(), files.Values.Order());
        Assert.All(files.Keys, k => Assert.Contains($"/{ChannelName} ({ChannelId})/", k, StringComparison.Ordinal));
        await using var context = Db.CreateContext();
        Assert.True(await context.AuditEvents.AnyAsync(e => e.GuildId == GuildId && e.Action == "export.completed"));
    }

    [Fact]
    public async Task The_purge_preview_offers_export_first_until_an_export_newer_than_the_newest_clip_exists()
    {
        var owner = await ApiClientAsync(DemoUsers.Owner.Id);
        await ClipAsync(OwnerId, "owners.mp4", 1);
        var page = App.CreateClientAs(OwnerId);
        var preview = $"/guilds/{GuildId}/danger-zone/preview?scope=Channel&channelId={ChannelId}";
        Assert.Contains("data-testid=\"export-first\"", await page.GetStringAsync(preview), StringComparison.Ordinal);

        var id = await AcceptedAsync(await owner.PostAsJsonAsync($"/api/guilds/{GuildId}/exports", new { }));
        await BuildAsync(id);
        Assert.DoesNotContain("data-testid=\"export-first\"", await page.GetStringAsync(preview), StringComparison.Ordinal);

        // A clip archived after the export makes it stale again.
        await ClipAsync(OwnerId, "newer.mp4", 0);
        await using (var db = Db.CreateContext())
        {
            await db.Clips.Where(c => c.FileName == "newer.mp4").ExecuteUpdateAsync(s => s.SetProperty(c => c.ArchivedAt, DateTimeOffset.UtcNow.AddMinutes(5)));
        }

        Assert.Contains("data-testid=\"export-first\"", await page.GetStringAsync(preview), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_export_interrupted_by_a_crash_carries_on_after_its_last_stored_part_and_ends_complete()
    {
        var member = await ApiClientAsync(DemoUsers.Member.Id);
        var mine = new[] { await ClipAsync(MemberId, "one.mp4", 3), await ClipAsync(MemberId, "two.mp4", 2), await ClipAsync(MemberId, "three.mp4", 1) };
        var id = await AcceptedAsync(await member.PostAsJsonAsync("/api/me/exports", new { }));

        // The first run dies while it reads the second clip's file: part 1 is stored and recorded, part 2 is not.
        var storage = App.Services.GetRequiredService<IClipStorage>();
        await Assert.ThrowsAsync<IOException>(() => RunJobAsync(id, new CrashOnOpen(storage, 2)));

        ExportPart first;
        await using (var db = Db.CreateContext())
        {
            first = await db.ExportParts.AsNoTracking().SingleAsync(p => p.ExportId == id);
            Assert.Equal(ExportStatus.Failed, await db.Exports.Where(x => x.Id == id).Select(x => x.Status).SingleAsync());
        }

        // Nothing half-written is left beside the stored part.
        Assert.Equal([first.StorageKey], (await storage.ListAsync(ExportKeys.Of(id), CancellationToken.None).ToListAsync()).Select(f => f.Key));

        // Hangfire's retry (or the recovery dispatcher's job) carries on after part 1.
        await BuildAsync(id);
        var (files, manifest, _) = await ReadPartsAsync(member, id);
        Assert.Equal(mine.Select(m => m.Sha256).Order(), files.Values.Order());
        Assert.Equal(3, manifest.Count);
        await using (var db = Db.CreateContext())
        {
            var parts = await db.ExportParts.AsNoTracking().Where(p => p.ExportId == id).OrderBy(p => p.Number).ToListAsync();
            Assert.Equal([1, 2, 3], parts.Select(p => p.Number));
            Assert.Equal(first.CreatedAt, parts[0].CreatedAt);
            Assert.Equal(3, await db.Exports.Where(x => x.Id == id).Select(x => x.ClipsDone).SingleAsync());
        }
    }

    [Fact]
    public async Task A_part_holds_as_many_whole_files_as_fit_in_id_order()
    {
        var member = await ApiClientAsync(DemoUsers.Member.Id);
        var mine = new List<(long Id, string Sha256)>();
        for (var i = 0; i < 7; i++)
        {
            mine.Add(await ClipAsync(MemberId, $"clip-{i}.mp4", 10 - i));
        }

        var id = await AcceptedAsync(await member.PostAsJsonAsync("/api/me/exports", new { }));

        // Three 2 000-byte files fit in 7 000 bytes: the next files are opened while one is copied, never past the part.
        await RunJobAsync(id, App.Services.GetRequiredService<IClipStorage>(), partSizeBytes: 7000);

        var (files, manifest, csv) = await ReadPartsAsync(member, id);
        Assert.Equal(mine.Select(m => m.Sha256).Order(), files.Values.Order());
        Assert.Equal(mine.Select(m => m.Sha256), manifest.Select(m => m.GetProperty("sha256").GetString()));
        Assert.Equal(7, csv.Count);
        await using var db = Db.CreateContext();
        Assert.Equal([3, 3, 1], await db.ExportParts.Where(p => p.ExportId == id).OrderBy(p => p.Number).Select(p => p.Clips).ToListAsync());
        Assert.Equal(mine[^1].Id, await db.ExportParts.Where(p => p.ExportId == id).MaxAsync(p => p.LastClipId));
    }

    [Fact]
    public async Task An_export_whose_job_was_lost_gets_a_new_one_from_the_recovery_dispatcher()
    {
        await using (var db = Db.CreateContext())
        {
            db.Users.Add(new User { Id = MemberId, Username = "member", CreatedAt = DateTimeOffset.UtcNow });
            db.Exports.Add(new Export { UserId = MemberId, Status = ExportStatus.Queued, CreatedAt = DateTimeOffset.UtcNow.AddMinutes(-5), ExpiresAt = DateTimeOffset.UtcNow.AddHours(20) });
            await db.SaveChangesAsync();
        }

        RecoveryResult result = null!;
        await RunAsync<RunRecovery>(async r => result = await r.RunAsync(CancellationToken.None));

        Assert.Equal(1, result.ExportsEnqueued);
        await using var check = Db.CreateContext();
        Assert.NotNull(await check.Exports.Select(x => x.HangfireJobId).SingleAsync());
    }

    [Fact]
    public async Task An_export_whose_storage_fails_while_it_takes_a_part_fails_with_that_error_instead_of_waiting_for_ever()
    {
        // More than the pipe between the ZIP and the storage holds (4 MiB): once the storage has stopped reading, the
        // ZIP side must learn it, or it waits for room that never comes.
        var member = await ApiClientAsync(DemoUsers.Member.Id);
        await ClipAsync(MemberId, "big.mp4", 5, bytes: 6 << 20);
        var id = await AcceptedAsync(await member.PostAsJsonAsync("/api/me/exports", new { }));

        var error = await Assert.ThrowsAsync<IOException>(() =>
            RunJobAsync(id, new FailingPartWrite(App.Services.GetRequiredService<IClipStorage>()), partSizeBytes: 100 << 20).WaitAsync(TimeSpan.FromSeconds(60)));

        Assert.Equal(FailingPartWrite.Error, error.Message);
        await using var db = Db.CreateContext();
        Assert.Equal(ExportStatus.Failed, await db.Exports.Where(x => x.Id == id).Select(x => x.Status).SingleAsync());
        Assert.Empty(await db.ExportParts.Where(p => p.ExportId == id).ToListAsync());
        Assert.Empty(await App.Services.GetRequiredService<IClipStorage>().ListAsync("exports/", CancellationToken.None).ToListAsync());
    }

    /// <summary>Clip storage whose disk fails after the first bytes of an export's part; everything else goes through.</summary>
    private sealed class FailingPartWrite(IClipStorage inner) : DelegatingClipStorage(inner)
    {
        public const string Error = "Simulated disk failure while a part was stored.";

        public override async Task<long> PutWithoutChecksumAsync(string key, System.IO.Pipelines.PipeReader content, long maxBytes, CancellationToken cancellationToken)
        {
            var first = await content.ReadAsync(cancellationToken);
            content.AdvanceTo(first.Buffer.End);
            throw new IOException(Error);
        }
    }

    /// <summary>Clip storage that fails like a dying disk on the n-th file it opens; everything else goes through.</summary>
    private sealed class CrashOnOpen(IClipStorage inner, int failOn) : DelegatingClipStorage(inner)
    {
        private int _opened;

        public override Task<Stream?> OpenSequentialReadAsync(string key, CancellationToken cancellationToken) =>
            Interlocked.Increment(ref _opened) == failOn ? throw new IOException("Simulated crash while reading a clip.") : base.OpenSequentialReadAsync(key, cancellationToken);
    }
}

using System.IO.Compression;
using System.IO.Hashing;
using ClipSaver.Core.Exports;

namespace ClipSaver.Tests.Exports;

/// <summary>
/// An export into the local folder (decision 031): the part written straight into its file, clips whose CRC-32 the
/// archive recorded copied in by the kernel, the part put on the disk once the export is ready, and a part that a
/// machine that went down never put there built again.
/// </summary>
public class ExportDirectWriteTests : ClipClubTestBase
{
    /// <summary>Parts this small hold one 2 000-byte file each.</summary>
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?> { ["ClipSaver:Exports:PartSizeBytes"] = "3000" };

    private static long MemberId => TestDiscord.Id(DemoUsers.Member.Id);

    private LocalFolderClipStorage Storage => (LocalFolderClipStorage)App.Services.GetRequiredService<IClipStorage>();

    /// <summary>A clip of the member with a stored file; its row records <paramref name="crc"/> (the file's own by default) and <paramref name="recordedSize"/>.</summary>
    private async Task<(long Id, string Key, byte[] Bytes)> ClipAsync(string fileName, int minutesAgo, bool recordCrc = true, uint? crc = null, int bytes = 2000, int? recordedSize = null)
    {
        await using var db = Db.CreateContext();
        var clip = TestData.Clip(GuildId, ChannelId, MemberId, fileName, recordedSize ?? bytes, DateTimeOffset.UtcNow.AddMinutes(-minutesAgo), contentType: "video/mp4");
        db.Clips.Add(clip);
        await db.SaveChangesAsync();
        var key = ClipStorageKeys.ForAttachment(GuildId, clip.ChannelId, clip.Id, fileName);
        var content = RandomNumberGenerator.GetBytes(bytes);
        var stored = await Storage.PutAsync(key, new MemoryStream(content), bytes, CancellationToken.None);
        int? recorded = recordCrc ? unchecked((int)(crc ?? Crc32.HashToUInt32(content))) : null;
        await db.Clips.Where(c => c.Id == clip.Id).ExecuteUpdateAsync(s => s.SetProperty(c => c.StorageKey, key).SetProperty(c => c.Sha256, stored.Sha256).SetProperty(c => c.Crc32, recorded));
        return (clip.Id, key, content);
    }

    private async Task<long> ExportAsync(HttpClient member)
    {
        var response = await member.PostAsJsonAsync("/api/me/exports", new { });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = long.Parse(response.Headers.Location!.ToString().Split('/')[^1], System.Globalization.CultureInfo.InvariantCulture);
        await RunAsync<ExportJob>(j => j.RunAsync(id, CancellationToken.None));
        return id;
    }

    /// <summary>The clip files of every part, by clip id: the entry's recorded CRC-32 and its bytes.</summary>
    private static async Task<Dictionary<long, (uint Crc, byte[] Bytes)>> EntriesAsync(HttpClient member, long exportId)
    {
        var status = JsonDocument.Parse(await member.GetStringAsync($"/api/exports/{exportId}")).RootElement;
        Assert.Equal("completed", status.GetProperty("status").GetString());
        var entries = new Dictionary<long, (uint, byte[])>();
        foreach (var part in status.GetProperty("parts").EnumerateArray())
        {
            await using var zip = new ZipArchive(new MemoryStream(await member.GetByteArrayAsync(part.GetProperty("url").GetString())), ZipArchiveMode.Read);
            foreach (var entry in zip.Entries.Where(e => !e.FullName.StartsWith("manifest.", StringComparison.Ordinal)))
            {
                var copy = new MemoryStream();
                await using (var content = await entry.OpenAsync())
                {
                    try
                    {
                        await content.CopyToAsync(copy);
                    }
                    catch (InvalidDataException)
                    {
                        // The reader checks the bytes against the entry's CRC-32 at their end: a test's deliberately
                        // wrong one fails there, after every byte was read.
                    }
                }

                entries.Add(long.Parse(entry.Name.Split('_')[1], System.Globalization.CultureInfo.InvariantCulture), (entry.Crc32, copy.ToArray()));
            }
        }

        return entries;
    }

    [Fact]
    public async Task A_file_with_a_recorded_crc_goes_in_uncopied_by_the_process_and_one_without_is_read_with_its_crc_computed()
    {
        var member = await ApiClientAsync(DemoUsers.Member.Id);
        var recorded = await ClipAsync("recorded.mp4", 4);
        var unrecorded = await ClipAsync("unrecorded.mp4", 3, recordCrc: false);
        // A wrong CRC-32 on the row shows in the ZIP as it is: the proof that the kernel copied the file and nothing
        // in the process read it. (The archive records the CRC-32 as it stores a file; nothing else writes it.)
        var marked = await ClipAsync("marked.mp4", 2, crc: 0x12345678);
        // A file whose size is not its row's is read, whatever its row records.
        var resized = await ClipAsync("resized.mp4", 1, crc: 0x12345678, bytes: 1999, recordedSize: 2000);

        var id = await ExportAsync(member);

        var entries = await EntriesAsync(member, id);
        Assert.Equal(Crc32.HashToUInt32(recorded.Bytes), entries[recorded.Id].Crc);
        Assert.Equal(recorded.Bytes, entries[recorded.Id].Bytes);
        Assert.Equal(Crc32.HashToUInt32(unrecorded.Bytes), entries[unrecorded.Id].Crc);
        Assert.Equal(unrecorded.Bytes, entries[unrecorded.Id].Bytes);
        Assert.Equal(0x12345678u, entries[marked.Id].Crc);
        Assert.Equal(marked.Bytes, entries[marked.Id].Bytes);
        Assert.Equal(Crc32.HashToUInt32(resized.Bytes), entries[resized.Id].Crc);
        Assert.Equal(resized.Bytes, entries[resized.Id].Bytes);
    }

    [Fact]
    public async Task Once_the_export_is_ready_its_parts_are_on_the_disk_and_recorded_so()
    {
        Assert.NotNull(BootId.Current); // Linux: parts are written first and put on the disk after
        var member = await ApiClientAsync(DemoUsers.Member.Id);
        await ClipAsync("one.mp4", 2);
        await ClipAsync("two.mp4", 1);

        var id = await ExportAsync(member);

        await using var db = Db.CreateContext();
        var parts = await db.ExportParts.AsNoTracking().Where(p => p.ExportId == id).ToListAsync();
        Assert.Equal(2, parts.Count);
        Assert.All(parts, p => Assert.Null(p.UnsyncedBoot));
        Assert.Equal(ExportStatus.Completed, await db.Exports.Where(x => x.Id == id).Select(x => x.Status).SingleAsync());
    }

    [Fact]
    public async Task A_part_another_boot_never_put_on_the_disk_is_refused_and_its_export_built_again_from_it_by_the_recovery_dispatcher()
    {
        var member = await ApiClientAsync(DemoUsers.Member.Id);
        var clips = new[] { await ClipAsync("one.mp4", 3), await ClipAsync("two.mp4", 2), await ClipAsync("three.mp4", 1) };
        var id = await ExportAsync(member);
        ExportPart first, second;
        await using (var db = Db.CreateContext())
        {
            // As if the machine went down after part 2 was written and before it was on the disk: part 1 was there.
            await db.ExportParts.Where(p => p.ExportId == id && p.Number >= 2).ExecuteUpdateAsync(s => s.SetProperty(p => p.UnsyncedBoot, Guid.NewGuid()));
            // Its job is long gone (here it never ran in Hangfire: the tests ran it themselves, with no job server).
            await db.Exports.Where(x => x.Id == id).ExecuteUpdateAsync(s => s.SetProperty(x => x.HangfireJobId, (string?)null));
            first = await db.ExportParts.AsNoTracking().SingleAsync(p => p.ExportId == id && p.Number == 1);
            second = await db.ExportParts.AsNoTracking().SingleAsync(p => p.ExportId == id && p.Number == 2);
        }

        await File.WriteAllBytesAsync(Path.Combine(Storage.Root, second.StorageKey), new byte[10]); // what a power cut may leave
        var refused = await member.GetAsync($"/api/exports/{id}/parts/2");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Contains("built again", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await member.GetAsync($"/api/exports/{id}/parts/1")).StatusCode);

        RecoveryResult result = null!;
        await RunAsync<RunRecovery>(async r => result = await r.RunAsync(CancellationToken.None));

        Assert.Equal(1, result.ExportsRebuilt);
        Assert.Equal(1, result.ExportsEnqueued);
        await using (var db = Db.CreateContext())
        {
            Assert.Equal(ExportStatus.Running, await db.Exports.Where(x => x.Id == id).Select(x => x.Status).SingleAsync());
            Assert.Equal([1], await db.ExportParts.Where(p => p.ExportId == id).Select(p => p.Number).ToListAsync());
        }

        Assert.Equal([first.StorageKey], (await Storage.ListAsync(ExportKeys.Of(id), CancellationToken.None).ToListAsync()).Select(f => f.Key));

        // The job the dispatcher enqueued builds parts 2 and 3 again; part 1 is the one written before.
        await RunAsync<ExportJob>(j => j.RunAsync(id, CancellationToken.None));
        var entries = await EntriesAsync(member, id);
        Assert.Equal(clips.Select(c => c.Id).Order(), entries.Keys.Order());
        Assert.All(clips, c => Assert.Equal(c.Bytes, entries[c.Id].Bytes));
        await using (var db = Db.CreateContext())
        {
            var parts = await db.ExportParts.AsNoTracking().Where(p => p.ExportId == id).OrderBy(p => p.Number).ToListAsync();
            Assert.Equal([1, 2, 3], parts.Select(p => p.Number));
            Assert.Equal(first.CreatedAt, parts[0].CreatedAt);
            Assert.All(parts, p => Assert.Null(p.UnsyncedBoot));
            Assert.Equal(3, await db.Exports.Where(x => x.Id == id).Select(x => x.ClipsDone).SingleAsync());
        }
    }

    [Fact]
    public async Task A_part_of_this_boot_whose_job_died_before_putting_it_on_the_disk_is_put_there_by_the_recovery_dispatcher_and_kept()
    {
        var member = await ApiClientAsync(DemoUsers.Member.Id);
        await ClipAsync("one.mp4", 1);
        var id = await ExportAsync(member);
        await using (var db = Db.CreateContext())
        {
            await db.ExportParts.Where(p => p.ExportId == id).ExecuteUpdateAsync(s => s.SetProperty(p => p.UnsyncedBoot, BootId.Current).SetProperty(p => p.CreatedAt, DateTimeOffset.UtcNow.AddMinutes(-5)));
        }

        Assert.Equal(HttpStatusCode.OK, (await member.GetAsync($"/api/exports/{id}/parts/1")).StatusCode); // the kernel has it

        RecoveryResult result = null!;
        await RunAsync<RunRecovery>(async r => result = await r.RunAsync(CancellationToken.None));

        Assert.Equal(0, result.ExportsRebuilt);
        Assert.Equal(0, result.ExportsEnqueued);
        await using var check = Db.CreateContext();
        Assert.Null(await check.ExportParts.Where(p => p.ExportId == id).Select(p => p.UnsyncedBoot).SingleAsync());
        Assert.Equal(ExportStatus.Completed, await check.Exports.Where(x => x.Id == id).Select(x => x.Status).SingleAsync());
    }

    [Fact]
    public async Task A_file_that_cannot_be_read_fails_the_part_without_leaving_any_of_it_and_the_retry_carries_on_after_the_last_stored_part()
    {
        var member = await ApiClientAsync(DemoUsers.Member.Id);
        var clips = new[] { await ClipAsync("one.mp4", 3), await ClipAsync("two.mp4", 2), await ClipAsync("three.mp4", 1) };
        // The second clip's file is a link to itself in its place: opening it fails (too many levels of links), as a
        // broken file system would.
        var broken = Path.Combine(Storage.Root, clips[1].Key);
        File.Move(broken, broken + ".saved");
        File.CreateSymbolicLink(broken, broken);
        var response = await member.PostAsJsonAsync("/api/me/exports", new { });
        var id = long.Parse(response.Headers.Location!.ToString().Split('/')[^1], System.Globalization.CultureInfo.InvariantCulture);

        await Assert.ThrowsAnyAsync<Exception>(() => RunAsync<ExportJob>(j => j.RunAsync(id, CancellationToken.None)));

        await using (var db = Db.CreateContext())
        {
            Assert.Equal(ExportStatus.Failed, await db.Exports.Where(x => x.Id == id).Select(x => x.Status).SingleAsync());
            Assert.Equal([1], await db.ExportParts.Where(p => p.ExportId == id).Select(p => p.Number).ToListAsync());
        }

        Assert.Single(await Storage.ListAsync(ExportKeys.Of(id), CancellationToken.None).ToListAsync());
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(Storage.Root, ".tmp")));

        File.Delete(broken);
        File.Move(broken + ".saved", broken);
        await RunAsync<ExportJob>(j => j.RunAsync(id, CancellationToken.None));
        var entries = await EntriesAsync(member, id);
        Assert.All(clips, c => Assert.Equal(c.Bytes, entries[c.Id].Bytes));
    }
}

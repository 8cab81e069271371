using System.IO.Compression;
using System.IO.Hashing;
using ClipSaver.Core.Exports;

namespace ClipSaver.Tests.Exports;

/// <summary>
/// After the checksum backfill (docs/decisions/033-checksum-backfill.md), an export into the local folder copies the
/// clips it recorded with the kernel (decision 031), and reads the one whose file it found damaged.
/// </summary>
public sealed class ChecksumBackfillExportTests : ClipClubTestBase
{
    private static long MemberId => TestDiscord.Id(DemoUsers.Member.Id);

    private LocalFolderClipStorage Storage => (LocalFolderClipStorage)App.Services.GetRequiredService<IClipStorage>();

    /// <summary>A clip of the member whose file is stored with its SHA-256 on its row and no CRC-32, as before decision 031.</summary>
    private async Task<(long Id, string Key, byte[] Bytes)> OldClipAsync(string fileName, int minutesAgo)
    {
        await using var db = Db.CreateContext();
        var bytes = RandomNumberGenerator.GetBytes(2000);
        var clip = TestData.Clip(GuildId, ChannelId, MemberId, fileName, bytes.Length, DateTimeOffset.UtcNow.AddMinutes(-minutesAgo), contentType: "video/mp4");
        db.Clips.Add(clip);
        await db.SaveChangesAsync();
        var key = ClipStorageKeys.ForAttachment(GuildId, clip.ChannelId, clip.Id, fileName);
        var stored = await Storage.PutAsync(key, new MemoryStream(bytes), bytes.Length, CancellationToken.None);
        await db.Clips.Where(c => c.Id == clip.Id).ExecuteUpdateAsync(s => s.SetProperty(c => c.StorageKey, key).SetProperty(c => c.Sha256, stored.Sha256));
        return (clip.Id, key, bytes);
    }

    /// <summary>The CRC-32 each clip's ZIP entry carries, by clip id.</summary>
    private static async Task<Dictionary<long, uint>> EntryCrcsAsync(HttpClient member, long exportId)
    {
        var status = JsonDocument.Parse(await member.GetStringAsync($"/api/exports/{exportId}")).RootElement;
        Assert.Equal("completed", status.GetProperty("status").GetString());
        var crcs = new Dictionary<long, uint>();
        foreach (var part in status.GetProperty("parts").EnumerateArray())
        {
            await using var zip = new ZipArchive(new MemoryStream(await member.GetByteArrayAsync(part.GetProperty("url").GetString())), ZipArchiveMode.Read);
            foreach (var entry in zip.Entries.Where(e => !e.FullName.StartsWith("manifest.", StringComparison.Ordinal)))
            {
                crcs.Add(long.Parse(entry.Name.Split('_')[1], CultureInfo.InvariantCulture), entry.Crc32);
            }
        }

        return crcs;
    }

    [Fact]
    public async Task After_the_backfill_an_export_copies_the_recorded_clips_by_the_kernel_and_reads_the_damaged_one()
    {
        var member = await ApiClientAsync(DemoUsers.Member.Id);
        var old = await OldClipAsync("old.mp4", 2);
        var damaged = await OldClipAsync("damaged.mp4", 1);
        var damagedBytes = RandomNumberGenerator.GetBytes(damaged.Bytes.Length);
        await File.WriteAllBytesAsync(Path.Combine(Storage.Root, damaged.Key), damagedBytes);

        ChecksumBackfillReport report = null!;
        await RunAsync<ChecksumBackfillJob>(async j => report = await j.RunAsync(CancellationToken.None));
        Assert.Equal((1, 1), (report.Recorded, report.Mismatched));

        // Bytes of the same size behind the recorded CRC-32: an entry that keeps the recorded CRC-32 was copied by the
        // kernel, unread; one read by the process would carry the CRC-32 of these bytes.
        var replaced = RandomNumberGenerator.GetBytes(old.Bytes.Length);
        await File.WriteAllBytesAsync(Path.Combine(Storage.Root, old.Key), replaced);
        var response = await member.PostAsJsonAsync("/api/me/exports", new { });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = long.Parse(response.Headers.Location!.ToString().Split('/')[^1], CultureInfo.InvariantCulture);
        await RunAsync<ExportJob>(j => j.RunAsync(id, CancellationToken.None));

        var crcs = await EntryCrcsAsync(member, id);
        Assert.Equal(Crc32.HashToUInt32(old.Bytes), crcs[old.Id]);
        Assert.NotEqual(Crc32.HashToUInt32(replaced), crcs[old.Id]);
        // The damaged file has no CRC-32 on its row: the export read it and computed the CRC of its bytes as they are.
        Assert.Equal(Crc32.HashToUInt32(damagedBytes), crcs[damaged.Id]);
    }
}

using System.Runtime.InteropServices;
using ClipSaver.Core.Exports;

namespace ClipSaver.Tests.Exports;

/// <summary>Trims are counted process-wide, so these tests run alone, after the parallel ones.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NativeHeapTestGroup
{
    public const string Name = "native heap";
}

/// <summary>
/// An export hands what the C library keeps freed back to the system, as it runs and after each part (decision 029).
/// </summary>
[Collection(NativeHeapTestGroup.Name)]
public sealed class NativeHeapTests : ClipClubTestBase
{
    /// <summary>Parts this small hold one 2 000-byte file each.</summary>
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?> { ["ClipSaver:Exports:PartSizeBytes"] = "3000" };

    [Fact]
    public void A_trim_gives_memory_freed_in_the_middle_of_the_C_library_s_heap_back()
    {
        // 32 MiB in 64 KiB blocks (below the size glibc maps on its own), every other one freed: holes that glibc
        // keeps, as it kept what the runtime's compiler freed.
        var blocks = new nint[512];
        var page = new byte[64 * 1024];
        for (var i = 0; i < blocks.Length; i++)
        {
            blocks[i] = Marshal.AllocHGlobal(page.Length);
            Marshal.Copy(page, 0, blocks[i], page.Length);
        }

        for (var i = 0; i < blocks.Length; i += 2)
        {
            Marshal.FreeHGlobal(blocks[i]);
        }

        var before = NativeHeap.Trims;
        Assert.True(NativeHeap.Trim());
        Assert.Equal(before + 1, NativeHeap.Trims);
        for (var i = 1; i < blocks.Length; i += 2)
        {
            Marshal.FreeHGlobal(blocks[i]);
        }
    }

    [Fact]
    public async Task Each_finished_part_of_an_export_trims_the_C_library_s_heap()
    {
        var member = await ApiClientAsync(DemoUsers.Member.Id);
        var memberId = TestDiscord.Id(DemoUsers.Member.Id);
        for (var i = 0; i < 3; i++)
        {
            await using var db = Db.CreateContext();
            var clip = TestData.Clip(GuildId, ChannelId, memberId, $"{i}.mp4", 2000, DateTimeOffset.UtcNow.AddMinutes(-i - 1), contentType: "video/mp4");
            db.Clips.Add(clip);
            await db.SaveChangesAsync();
            var key = ClipStorageKeys.ForAttachment(GuildId, ChannelId, clip.Id, clip.FileName);
            await RunAsync<IClipStorage>(s => s.PutAsync(key, new MemoryStream(new byte[2000]), 10_000, CancellationToken.None));
            await db.Clips.Where(c => c.Id == clip.Id).ExecuteUpdateAsync(s => s.SetProperty(c => c.StorageKey, key));
        }

        var response = await member.PostAsJsonAsync("/api/me/exports", new { });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = long.Parse(response.Headers.Location!.ToString().Split('/')[^1], CultureInfo.InvariantCulture);
        var before = NativeHeap.Trims;

        await RunAsync<ExportJob>(j => j.RunAsync(id, CancellationToken.None));

        var status = JsonDocument.Parse(await member.GetStringAsync($"/api/exports/{id}")).RootElement;
        Assert.Equal("completed", status.GetProperty("status").GetString());
        Assert.Equal(3, status.GetProperty("parts").GetArrayLength());
        // One after each part; a heartbeat (every 2 s of a part) may add one on a slow machine.
        Assert.InRange(NativeHeap.Trims - before, 3, 6);
    }
}

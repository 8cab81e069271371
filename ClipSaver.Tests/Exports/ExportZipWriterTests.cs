using System.IO.Compression;
using System.IO.Hashing;
using System.IO.Pipelines;
using ClipSaver.Core.Exports;

namespace ClipSaver.Tests.Exports;

/// <summary>
/// The export's own ZIP writer (decision 027), read back by .NET's reader: names, bytes, CRC-32s, sizes and times
/// right, with and without ZIP64 records (forced here by a low threshold, as a part past 4 GiB would need them).
/// </summary>
public sealed class ExportZipWriterTests
{
    private static readonly DateTimeOffset Posted = new(2026, 11, 28, 14, 30, 42, TimeSpan.Zero);

    [Fact]
    public async Task A_parts_spool_file_has_no_name_while_it_is_written_so_a_killed_export_leaves_nothing_behind()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // Windows deletes a DeleteOnClose file when the process dies.
        }

        await using var spool = TemporarySpool.Create();
        await spool.WriteAsync(Encoding.UTF8.GetBytes("central directory"));
        spool.Position = 0;
        var back = new byte[17];
        await spool.ReadExactlyAsync(back);

        Assert.Equal("central directory", Encoding.UTF8.GetString(back));
        Assert.False(File.Exists(spool.Name), $"{spool.Name} should be gone while the spool is open");
    }

    [Theory]
    [InlineData(uint.MaxValue)]
    [InlineData(0L)]
    public async Task Stored_files_and_a_deflated_manifest_read_back_whole_with_their_CRC_32s(long zip64From)
    {
        var files = new[]
        {
            ("Bench Guild (1)/clips (2)/2026-11-28_1_a.mp4", RandomNumberGenerator.GetBytes(3 << 20)),
            ("Bench Guild (1)/clips (2)/2026-11-28_2_empty.mp4", Array.Empty<byte>()),
            ("Gilde (1)/clips (2)/2026-11-28_3_vidéo ünicode.webm", RandomNumberGenerator.GetBytes(70_000)),
        };
        var manifest = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("guild,channel,clip.mp4,0123456789abcdef\n", 20_000)));

        var zipBytes = await WriteAsync(zip64From, async zip =>
        {
            foreach (var (name, bytes) in files)
            {
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                Assert.Equal(bytes.Length, await zip.AddStoredAsync(name, Posted, new MemoryStream(bytes), bytes.Length, hash, CancellationToken.None));
                Assert.Equal(SHA256.HashData(bytes), hash.GetHashAndReset());
            }

            await using var text = new DeflatingSpool();
            text.Write(manifest); // more than the deflating's queue of chunks holds at once
            await zip.AddDeflatedAsync("manifest.csv", Posted, text, CancellationToken.None);
        });

        await using var archive = new ZipArchive(new MemoryStream(zipBytes), ZipArchiveMode.Read);
        Assert.Equal([.. files.Select(f => f.Item1), "manifest.csv"], archive.Entries.Select(e => e.FullName));
        foreach (var entry in archive.Entries)
        {
            var expected = entry.FullName == "manifest.csv" ? manifest : files.Single(f => f.Item1 == entry.FullName).Item2;
            await using var content = await entry.OpenAsync();
            var actual = new MemoryStream();
            await content.CopyToAsync(actual);
            Assert.Equal(expected, actual.ToArray());
            Assert.Equal(Crc32.HashToUInt32(expected), entry.Crc32);
            Assert.Equal(expected.Length, entry.Length);
            Assert.Equal(Posted.UtcDateTime, entry.LastWriteTime.DateTime);
        }

        var stored = archive.GetEntry(files[0].Item1)!;
        Assert.Equal(stored.Length, stored.CompressedLength); // stored, not deflated
        Assert.True(archive.GetEntry("manifest.csv")!.CompressedLength < manifest.Length / 10);
    }

    [Fact]
    public async Task A_file_larger_than_its_record_said_fails_the_part_rather_than_writing_a_wrong_size()
    {
        // Recorded under the ZIP64 threshold, the entry has 32-bit sizes: a file that turns out past it cannot fit.
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => WriteAsync(1000, async zip =>
            await zip.AddStoredAsync("grown.mp4", Posted, new MemoryStream(new byte[2000]), 10, null, CancellationToken.None)));
        Assert.Contains("grown.mp4", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task When_the_storage_fails_the_writer_stops_with_the_storages_error()
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 1 << 20, resumeWriterThreshold: 1 << 19));
        await pipe.Reader.CompleteAsync(new IOException("disk full"));
        await using var zip = new ExportZipWriter(pipe.Writer);
        var error = await Assert.ThrowsAsync<IOException>(() => zip.AddStoredAsync("a.mp4", Posted, new MemoryStream(new byte[4 << 20]), 4 << 20, null, CancellationToken.None));
        Assert.Equal("disk full", error.Message);
    }

    [Fact]
    public async Task When_the_storage_stops_reading_without_an_error_the_writer_stops_too()
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 1 << 20, resumeWriterThreshold: 1 << 19));
        await pipe.Reader.CompleteAsync();
        await using var zip = new ExportZipWriter(pipe.Writer);
        await Assert.ThrowsAsync<StorageStoppedException>(() => zip.AddStoredAsync("a.mp4", Posted, new MemoryStream(new byte[4 << 20]), 4 << 20, null, CancellationToken.None));
    }

    /// <summary>
    /// The manifest's rows are written field by field (quicker than the serializer): they must read as the serializer
    /// wrote them (names, escaping, the date's form), and the CSV must quote and neutralise as it did.
    /// </summary>
    [Fact]
    public async Task Manifest_rows_read_as_the_serializer_wrote_them_and_the_CSV_quotes_and_neutralises_formulas()
    {
        var rows = new[]
        {
            new ExportManifestRow("Gilde \"Ü\" <b>", "=clips, \"best\"", "https://discord.com/channels/1/2/3", new DateTimeOffset(2026, 11, 28, 14, 30, 42, 123, TimeSpan.Zero),
                "vidéo,\nnew line.mp4", 2000, "ab12", "Gilde (1)/clips (2)/2026-11-28_3_vid_o.mp4"),
            new ExportManifestRow("g", "c", "https://discord.com/channels/4/5/6", new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.FromHours(2)), "+x.mp4", 0, "cd34", "p"),
        };
        var zipBytes = await WriteAsync(uint.MaxValue, async zip =>
        {
            await using var manifest = new ExportManifest();
            foreach (var row in rows)
            {
                manifest.Add(row);
            }

            await manifest.WriteToAsync(zip, Posted, CancellationToken.None);
        });

        await using var archive = new ZipArchive(new MemoryStream(zipBytes), ZipArchiveMode.Read);
        using var json = JsonDocument.Parse(await new StreamReader(await archive.GetEntry("manifest.json")!.OpenAsync()).ReadToEndAsync());
        var serializer = new JsonSerializerOptions(JsonSerializerOptions.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
        var written = json.RootElement.GetProperty("clips").EnumerateArray().ToList();
        Assert.Equal(rows.Length, written.Count);
        for (var i = 0; i < rows.Length; i++)
        {
            using var expected = JsonDocument.Parse(JsonSerializer.Serialize(rows[i], serializer));
            Assert.True(JsonElement.DeepEquals(expected.RootElement, written[i]), $"row {i}: {written[i].GetRawText()} against {expected.RootElement.GetRawText()}");
            Assert.Equal(expected.RootElement.EnumerateObject().Select(p => p.Name), written[i].EnumerateObject().Select(p => p.Name));
        }

        Assert.Equal(rows, json.RootElement.GetProperty("clips").EnumerateArray().Select(e => e.Deserialize<ExportManifestRow>(serializer)));

        var csv = await new StreamReader(await archive.GetEntry("manifest.csv")!.OpenAsync()).ReadToEndAsync();
        Assert.Equal(
            "guild,channel,message_link,posted_at,file_name,size_bytes,sha256,path\n" +
            "\"Gilde \"\"Ü\"\" <b>\",\"'=clips, \"\"best\"\"\",https://discord.com/channels/1/2/3,2026-11-28T14:30:42Z,\"vidéo,\nnew line.mp4\",2000,ab12,Gilde (1)/clips (2)/2026-11-28_3_vid_o.mp4\n" +
            "g,c,https://discord.com/channels/4/5/6,2026-01-02T01:04:05Z,'+x.mp4,0,cd34,p\n",
            csv.ReplaceLineEndings("\n"));
    }

    private static async Task<byte[]> WriteAsync(long zip64From, Func<ExportZipWriter, Task> entries)
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 1 << 20, resumeWriterThreshold: 1 << 19));
        var read = Task.Run(async () =>
        {
            var bytes = new MemoryStream();
            await pipe.Reader.CopyToAsync(bytes);
            return bytes.ToArray();
        });
        try
        {
            await using (var zip = new ExportZipWriter(pipe.Writer, zip64From))
            {
                await entries(zip);
                await zip.CompleteAsync(CancellationToken.None);
            }

            await pipe.Writer.CompleteAsync();
        }
        catch (Exception e)
        {
            await pipe.Writer.CompleteAsync(e);
            throw;
        }

        return await read;
    }
}

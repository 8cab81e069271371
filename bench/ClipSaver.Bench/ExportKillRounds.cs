using System.IO.Compression;

namespace ClipSaver.Bench;

/// <summary>
/// <c>export --kill-rounds N</c>: each round asks for an export, kills the app with SIGKILL at a random moment of it,
/// starts the app again, and checks that the export ends complete: every part read whole (the ZIP reader checks each
/// entry's CRC-32), as many clip entries and manifest rows as clips, every part on the disk (decision 031). Prints one
/// line a round: when it was killed, how long after the kill it was complete, and the killed writers' temporary files
/// (the recovery dispatcher deletes them once a minute old).
/// </summary>
internal static class ExportKillRounds
{
    public static async Task RunAsync(int rounds, ChildProcess server, HttpClient api, Func<int, Task<(ChildProcess, HttpClient)>> restart, string cs, string clipsRoot, int clips)
    {
        var random = new Random(7);
        var temporary = Path.Combine(clipsRoot, ".tmp");
        int Leftovers() => Directory.Exists(temporary) ? Directory.GetFiles(temporary).Length : 0;
        ChildProcess? live = server;
        try
        {
            for (var round = 1; round <= rounds; round++)
            {
                var accepted = await api.PostAsJsonAsync("api/me/exports", new { });
                accepted.EnsureSuccessStatusCode();
                var location = accepted.Headers.Location!.ToString().TrimStart('/');
                var exportId = long.Parse(location.Split('/')[^1], CultureInfo.InvariantCulture);
                var wait = random.Next(100, 1500);
                await Task.Delay(wait);
                live!.KillHard();
                live.Dispose();
                live = null;
                var killed = Stopwatch.StartNew();
                var leftAtKill = Leftovers();
                api.Dispose();
                (live, api) = await restart(round);

                JsonElement status;
                while ((status = await api.GetFromJsonAsync<JsonElement>(location)).GetProperty("status").GetString() != "completed")
                {
                    if (killed.Elapsed > TimeSpan.FromMinutes(6))
                    {
                        throw new InvalidOperationException($"Round {round}: the export was not complete 6 minutes after the kill: {status}");
                    }

                    await Task.Delay(200);
                }

                var recovered = killed.Elapsed.TotalSeconds;
                var (entries, rows) = await ReadPartsAsync(api, status);
                // Ready comes before the fsync of the parts (decision 031): they must be on the disk soon after.
                var (parts, unsynced) = await PartsAsync(cs, exportId);
                while (unsynced > 0 && killed.Elapsed < TimeSpan.FromMinutes(8))
                {
                    await Task.Delay(200);
                    (parts, unsynced) = await PartsAsync(cs, exportId);
                }

                var whole = entries == clips && rows == clips && unsynced == 0;
                Console.WriteLine($"  round {round}: killed {wait} ms after the request ({leftAtKill} temporary files then); complete {recovered:0.0} s after the kill; "
                    + $"{parts} parts, {unsynced} not on the disk; {entries:N0} clip entries read whole, {rows:N0} manifest rows; {Leftovers()} temporary files now{(whole ? "" : " — NOT WHOLE")}");
                if (!whole)
                {
                    throw new InvalidOperationException($"Round {round}: the export is not whole after the kill.");
                }

                (await api.DeleteAsync(location)).EnsureSuccessStatusCode();
            }
        }
        finally
        {
            // The app started last goes with the run, whether it passed or not.
            live?.Dispose();
            api.Dispose();
        }
    }

    /// <summary>Every part downloaded and read to its end: the clip entries, and the rows of the JSON manifests.</summary>
    private static async Task<(long Entries, long Rows)> ReadPartsAsync(HttpClient api, JsonElement status)
    {
        long entries = 0, rows = 0;
        foreach (var part in status.GetProperty("parts").EnumerateArray())
        {
            await using var zip = new ZipArchive(new MemoryStream(await api.GetByteArrayAsync(part.GetProperty("url").GetString()!.TrimStart('/'))));
            foreach (var entry in zip.Entries)
            {
                await using var content = await entry.OpenAsync();
                if (entry.FullName == "manifest.json")
                {
                    rows += (await JsonDocument.ParseAsync(content)).RootElement.GetProperty("clips").GetArrayLength();
                    continue;
                }

                await content.CopyToAsync(Stream.Null); // the reader checks the CRC-32 at the end
                entries += entry.FullName == "manifest.csv" ? 0 : 1;
            }
        }

        return (entries, rows);
    }

    private static async Task<(long Parts, long Unsynced)> PartsAsync(string cs, long exportId)
    {
        await using var connection = new NpgsqlConnection(cs);
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand("select count(*), count(*) filter (where unsynced_boot is not null) from export_parts where export_id = @id", connection);
        query.Parameters.AddWithValue("id", exportId);
        await using var row = await query.ExecuteReaderAsync();
        await row.ReadAsync();
        return (row.GetInt64(0), row.GetInt64(1));
    }
}

using System.Buffers;
using System.Text;

namespace ClipSaver.Core.Exports;

/// <summary>One line of a part's manifest (manifest.json and manifest.csv inside the ZIP).</summary>
public sealed record ExportManifestRow(string Guild, string Channel, string MessageLink, DateTimeOffset PostedAt, string FileName, long SizeBytes, string Sha256, string Path);

/// <summary>
/// A part's manifest, written row by row as its files go into the ZIP: both forms go to temporary files at once, so
/// a row is garbage as soon as it is added, and are deflated into the ZIP after the files (decision 027).
/// </summary>
internal sealed class ExportManifest : IAsyncDisposable
{
    private static readonly JsonSerializerOptions RowJson = new(JsonSerializerOptions.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>What the JSON rows gather in before they go to their file in one write.</summary>
    private const int JsonChunkBytes = 32 << 10;

    private readonly FileStream _json = TemporarySpool.Create();
    private readonly FileStream _csv = TemporarySpool.Create();
    private readonly ArrayBufferWriter<byte> _jsonRows = new(JsonChunkBytes + (4 << 10));
    private readonly Utf8JsonWriter _jsonWriter;
    private readonly StreamWriter _csvWriter;

    public ExportManifest()
    {
        // Over a buffer, not the file: the serializer flushes its writer after every row, which over a stream is a
        // write to the file each time.
        _jsonWriter = new Utf8JsonWriter(_jsonRows, new JsonWriterOptions { Indented = true });
        _jsonWriter.WriteStartObject();
        _jsonWriter.WriteStartArray("clips");
        _csvWriter = new StreamWriter(_csv, new UTF8Encoding(false), 64 << 10, leaveOpen: true);
        _csvWriter.WriteLine("guild,channel,message_link,posted_at,file_name,size_bytes,sha256,path");
    }

    public int Count { get; private set; }

    /// <summary>
    /// Adds a row. Written with blocking writes, a few kilobytes at a time to the temporary files (which the kernel takes
    /// into its page cache at once): an asynchronous write of a file opened for blocking use costs a hop to another
    /// thread each time.
    /// </summary>
    public void Add(ExportManifestRow r)
    {
        JsonSerializer.Serialize(_jsonWriter, r, RowJson);
        if (_jsonRows.WrittenCount >= JsonChunkBytes)
        {
            DrainJson();
        }

        _csvWriter.WriteLine(string.Join(',', Csv(r.Guild), Csv(r.Channel), r.MessageLink, r.PostedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            Csv(r.FileName), r.SizeBytes.ToString(CultureInfo.InvariantCulture), r.Sha256, Csv(r.Path)));
        Count++;
    }

    /// <summary>The manifest, as JSON and as CSV, deflated at the fastest level (text still shrinks to about a third).</summary>
    public async Task WriteToAsync(ExportZipWriter zip, DateTimeOffset now, CancellationToken cancellationToken)
    {
        _jsonWriter.WriteEndArray();
        _jsonWriter.WriteEndObject();
        await _jsonWriter.FlushAsync(cancellationToken);
        DrainJson();
        await _json.FlushAsync(cancellationToken);
        await _csvWriter.FlushAsync(cancellationToken);
        await zip.AddDeflatedAsync("manifest.json", now, _json, cancellationToken);
        await zip.AddDeflatedAsync("manifest.csv", now, _csv, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _jsonWriter.DisposeAsync();
        await _csvWriter.DisposeAsync();
        await _json.DisposeAsync();
        await _csv.DisposeAsync();
    }

    private void DrainJson()
    {
        _json.Write(_jsonRows.WrittenSpan);
        _jsonRows.ResetWrittenCount();
    }

    /// <summary>A CSV field, quoted when needed; a leading formula character is neutralised for spreadsheets.</summary>
    private static string Csv(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@')
        {
            value = "'" + value;
        }

        return value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;
    }
}

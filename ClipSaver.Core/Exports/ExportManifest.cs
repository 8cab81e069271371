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
    // The row's fields by name, encoded once: written field by field, a row costs a fifth of what the serializer took.
    private static readonly JsonEncodedText GuildName = JsonEncodedText.Encode("guild"), ChannelName = JsonEncodedText.Encode("channel"),
        LinkName = JsonEncodedText.Encode("message_link"), PostedName = JsonEncodedText.Encode("posted_at"), FileName = JsonEncodedText.Encode("file_name"),
        SizeName = JsonEncodedText.Encode("size_bytes"), ShaName = JsonEncodedText.Encode("sha256"), PathName = JsonEncodedText.Encode("path");

    /// <summary>What the JSON rows gather in before they go to their file in one write.</summary>
    private const int JsonChunkBytes = 32 << 10;

    private readonly DeflatingSpool _json = new();
    private readonly DeflatingSpool _csv = new();
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
        var json = _jsonWriter;
        json.WriteStartObject();
        json.WriteString(GuildName, r.Guild);
        json.WriteString(ChannelName, r.Channel);
        json.WriteString(LinkName, r.MessageLink);
        json.WriteString(PostedName, r.PostedAt);
        json.WriteString(FileName, r.FileName);
        json.WriteNumber(SizeName, r.SizeBytes);
        json.WriteString(ShaName, r.Sha256);
        json.WriteString(PathName, r.Path);
        json.WriteEndObject();
        json.Flush();
        if (_jsonRows.WrittenCount >= JsonChunkBytes)
        {
            DrainJson();
        }

        var csv = _csvWriter;
        csv.Write(Csv(r.Guild));
        csv.Write(',');
        csv.Write(Csv(r.Channel));
        csv.Write(',');
        csv.Write(r.MessageLink);
        csv.Write(',');
        csv.Write(r.PostedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
        csv.Write(',');
        csv.Write(Csv(r.FileName));
        csv.Write(',');
        csv.Write(r.SizeBytes.ToString(CultureInfo.InvariantCulture));
        csv.Write(',');
        csv.Write(r.Sha256);
        csv.Write(',');
        csv.WriteLine(Csv(r.Path));
        Count++;
    }

    /// <summary>The manifest, as JSON and as CSV, deflated at the fastest level (text still shrinks to about a third).</summary>
    public async Task WriteToAsync(ExportZipWriter zip, DateTimeOffset now, CancellationToken cancellationToken)
    {
        _jsonWriter.WriteEndArray();
        _jsonWriter.WriteEndObject();
        await _jsonWriter.FlushAsync(cancellationToken);
        DrainJson();
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

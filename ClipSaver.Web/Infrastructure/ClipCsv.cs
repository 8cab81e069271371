using System.Text;

namespace ClipSaver.Web.Infrastructure;

/// <summary>
/// The clip list as CSV (RFC 4180), streamed row by row: the danger zone's download and the API's
/// <c>purges/preview/clips.csv</c> both answer with <see cref="Download"/>.
/// </summary>
public static class ClipCsv
{
    public const string ContentType = "text/csv; charset=utf-8";

    /// <summary>The rows as a CSV attachment named <paramref name="fileName"/>.</summary>
    public static Microsoft.AspNetCore.Http.HttpResults.PushStreamHttpResult Download(IAsyncEnumerable<ClipRow> rows, string fileName, CancellationToken cancellationToken) =>
        TypedResults.Stream(body => WriteAsync(body, rows, cancellationToken), ContentType, fileName);

    public static async Task WriteAsync(Stream output, IAsyncEnumerable<ClipRow> rows, CancellationToken cancellationToken)
    {
        // RFC 4180 ends lines with CRLF, whatever the server's platform.
        await using var writer = new StreamWriter(output, new UTF8Encoding(false), 64 * 1024, leaveOpen: true) { NewLine = "\r\n" };
        await writer.WriteLineAsync("channel,message_link,author,file_name,size_bytes,posted_at,sha256");
        await foreach (var r in rows.WithCancellation(cancellationToken))
        {
            var link = $"https://discord.com/channels/{r.GuildId}/{r.ChannelId}/{r.MessageId}";
            await writer.WriteLineAsync(string.Join(',',
                Escape(r.Channel), link, Escape(r.Author), Escape(r.FileName),
                r.SizeBytes.ToString(CultureInfo.InvariantCulture), r.PostedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture), r.Sha256 ?? ""));
        }
    }

    private static string Escape(string value)
    {
        // A leading =, +, - or @ would run as a formula in a spreadsheet.
        if (value.Length > 0 && "=+-@".Contains(value[0], StringComparison.Ordinal))
        {
            value = "'" + value;
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;
    }
}

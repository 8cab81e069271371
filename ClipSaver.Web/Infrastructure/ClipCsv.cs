using System.Globalization;
using System.Text;
using ClipSaver.Core.Data;
using ClipSaver.Core.Purging;
using Microsoft.EntityFrameworkCore;

namespace ClipSaver.Web.Infrastructure;

/// <summary>
/// The clip list as CSV (RFC 4180), streamed row by row. The danger zone's download and the API's
/// <c>purges/preview/clips.csv</c> both list a purge scope's clips through <see cref="ForPurgeScope"/>.
/// </summary>
public static class ClipCsv
{
    public const string ContentType = "text/csv; charset=utf-8";

    public sealed record Row(string Channel, long GuildId, long ChannelId, long MessageId, string Author, string FileName, long SizeBytes, DateTimeOffset PostedAt, string? Sha256);

    /// <summary>The clips a purge of the scope would delete, by channel and then oldest first: the preview's own query.</summary>
    public static IAsyncEnumerable<Row> ForPurgeScope(ClipSaverDbContext db, long guildId, PurgeScope scope, long? channelId) =>
        PurgePreview.ClipsOf(db, guildId, scope, channelId).AsNoTracking()
            .OrderBy(c => c.ChannelId).ThenBy(c => c.PostedAt).ThenBy(c => c.Id)
            .Select(c => new Row(
                db.Channels.Where(ch => ch.Id == c.ChannelId).Select(ch => ch.Name).FirstOrDefault() ?? "",
                c.GuildId, c.ChannelId, c.MessageId,
                db.Users.Where(u => u.Id == c.AuthorId).Select(u => u.Username).FirstOrDefault() ?? "",
                c.FileName, c.SizeBytes, c.PostedAt, c.Sha256))
            .AsAsyncEnumerable();

    public static string FileName(long guildId, PurgeScope scope, long? channelId) =>
        scope == PurgeScope.Channel ? $"clips-{guildId}-{channelId}.csv" : $"clips-{guildId}.csv";

    public static async Task WriteAsync(Stream output, IAsyncEnumerable<Row> rows, CancellationToken cancellationToken)
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

using ClipSaver.Web.Infrastructure;

namespace ClipSaver.Tests.Scanning;

public sealed class ClipCsvTests
{
    [Fact]
    public async Task Fields_are_quoted_when_needed_and_formulas_are_defused()
    {
        var rows = new[]
        {
            new ClipRow("general", 1, 2, 3, "=HYPERLINK(\"x\")", "a, \"b\".mp4", 1234, new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), "ab12"),
        }.ToAsyncEnumerable();
        using var output = new MemoryStream();

        await ClipCsv.WriteAsync(output, rows, CancellationToken.None);

        var lines = Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("channel,message_link,author,file_name,size_bytes,posted_at,sha256", lines[0].TrimEnd('\r'));
        Assert.Equal("general,https://discord.com/channels/1/2/3,\"'=HYPERLINK(\"\"x\"\")\",\"a, \"\"b\"\".mp4\",1234,2026-01-02T03:04:05Z,ab12", lines[1].TrimEnd('\r'));
    }
}

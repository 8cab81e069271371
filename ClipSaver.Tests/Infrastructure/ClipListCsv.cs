namespace ClipSaver.Tests.Infrastructure;

/// <summary>The clip list of a purge preview, downloaded as CSV: the same file from the danger zone and from the API.</summary>
public static class ClipListCsv
{
    /// <summary>Asserts that the response is the CSV download of one channel's clip list; returns its lines, the header first.</summary>
    public static async Task<string[]> ReadChannelListAsync(HttpResponseMessage response, long guildId, long channelId)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal($"clips-{guildId}-{channelId}.csv", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        var lines = (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("channel,message_link,author,file_name,size_bytes,posted_at,sha256", lines[0]);
        return lines;
    }
}

namespace ClipSaver.Tests.Emulator;

public sealed class CdnTests
{
    private static async Task<(EmulatorTestHost Emulator, FakeTimeProvider Clock, EmulatedAttachment Clip, string Url)> StartWithClipAsync()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero));
        var emulator = await EmulatorTestHost.StartAsync(o => o.Clock = clock);
        var channel = emulator.FirstTextChannel(emulator.ClipClub.Id);
        var message = emulator.World.Messages(channel.Id, 100).First(m => m.Attachments.Any(a => a.ContentType.StartsWith("video/", StringComparison.Ordinal)));
        var json = await EmulatorTestHost.JsonAsync(await emulator.Bot.GetAsync($"channels/{channel.Id}/messages/{message.Id}"));
        var url = json.GetProperty("attachments")[0].GetProperty("url").GetString()!;
        return (emulator, clock, message.Attachments[0], url);
    }

    [Fact]
    public async Task A_signed_url_serves_exactly_size_bytes_with_the_content_type_the_same_every_time()
    {
        var (emulator, _, clip, url) = await StartWithClipAsync();
        await using var _ = emulator;
        using var http = new HttpClient();
        using var response = await http.GetAsync(url);
        var bytes = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(clip.ContentType, response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(clip.Size, response.Content.Headers.ContentLength);
        Assert.Equal(clip.Size, bytes.Length);
        Assert.Contains("bytes", response.Headers.AcceptRanges);
        Assert.Equal(bytes, await http.GetByteArrayAsync(url));
        Assert.Contains("ex=", url, StringComparison.Ordinal);
        Assert.StartsWith(emulator.Host.CdnBaseUrl.Replace("127.0.0.1", "", StringComparison.Ordinal)[..7], url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_range_request_gets_206_with_the_same_bytes_as_the_whole_file()
    {
        var (emulator, _, clip, url) = await StartWithClipAsync();
        await using var _ = emulator;
        using var http = new HttpClient();
        var whole = await http.GetByteArrayAsync(url);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Range = new RangeHeaderValue(100, 199);
        using var partial = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal(100, partial.Content.Headers.ContentLength);
        Assert.Equal(clip.Size, partial.Content.Headers.ContentRange!.Length);
        Assert.Equal(whole[100..200], await partial.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task An_expired_or_forged_url_is_refused_and_a_fresh_fetch_gives_a_working_one()
    {
        var (emulator, clock, _, url) = await StartWithClipAsync();
        await using var _ = emulator;
        using var http = new HttpClient();

        var forged = url.Replace("hm=", "hm=0", StringComparison.Ordinal);
        using var forgedResponse = await http.GetAsync(forged);
        Assert.Equal(HttpStatusCode.NotFound, forgedResponse.StatusCode);
        Assert.Equal("This content is no longer available.", await forgedResponse.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(url.Split('?')[0])).StatusCode);

        clock.Advance(emulator.Options.CdnUrlLifetime + TimeSpan.FromSeconds(1));
        using var expired = await http.GetAsync(url);
        Assert.Equal(HttpStatusCode.NotFound, expired.StatusCode);
        Assert.Equal("This content is no longer available.", await expired.Content.ReadAsStringAsync());

        var channel = emulator.FirstTextChannel(emulator.ClipClub.Id);
        var fresh = (await EmulatorTestHost.JsonAsync(await emulator.Bot.GetAsync($"channels/{channel.Id}/messages?limit=100")))
            .EnumerateArray().SelectMany(m => m.GetProperty("attachments").EnumerateArray()).First().GetProperty("url").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(fresh)).StatusCode);
    }

    [Fact]
    public async Task Avatars_and_icons_are_small_pngs_without_a_signature()
    {
        await using var emulator = await EmulatorTestHost.StartAsync();
        using var http = new HttpClient();
        var avatar = await http.GetAsync($"{emulator.Host.CdnBaseUrl}avatars/{DemoUsers.Owner.Id}/{DemoUsers.Owner.Avatar}.png");
        var icon = await http.GetAsync($"{emulator.Host.CdnBaseUrl}icons/{emulator.ClipClub.Id}/{emulator.ClipClub.Icon}.png");
        var pictures = new List<byte[]>();
        foreach (var response in new[] { avatar, icon })
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("image/png", response.Content.Headers.ContentType!.MediaType);
            var png = await response.Content.ReadAsByteArrayAsync();
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
            // A real picture (64 × 64, from the IHDR chunk), not a single pixel.
            Assert.Equal(64, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)));
            Assert.Equal(64, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
            pictures.Add(png);
        }

        // Each one its own, and the same every time.
        Assert.NotEqual(pictures[0], pictures[1]);
        Assert.Equal(pictures[1], await http.GetByteArrayAsync($"{emulator.Host.CdnBaseUrl}icons/{emulator.ClipClub.Id}/{emulator.ClipClub.Icon}.png"));
    }
}

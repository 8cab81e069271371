namespace ClipSaver.Tests.Scanning;

public sealed class ClipDetectorTests
{
    private static readonly DiscordUser Author = new(new Snowflake(42), "author", null, null);

    private static DiscordAttachment Attachment(string name, string? type, int? flags = null) =>
        new(new Snowflake(7), name, 1000, "https://cdn.example/a", "https://media.example/a", type, Flags: flags);

    private static DiscordMessage Message(IReadOnlyList<DiscordAttachment>? attachments = null, IReadOnlyList<DiscordEmbed>? embeds = null, string content = "hi", bool bot = false) =>
        new(new Snowflake(1), new Snowflake(2), Author with { Bot = bot }, content, DateTimeOffset.UnixEpoch, attachments ?? [], embeds ?? []);

    [Theory]
    [InlineData("clip.mp4", "video/mp4", null, true)]
    [InlineData("clip.bin", "video/webm", null, true)]
    [InlineData("replay.MKV", null, null, true)]
    [InlineData("screenshot.png", "image/png", null, false)]
    [InlineData("capture.bin", "application/octet-stream", 1, true)]
    [InlineData("notes.txt", "text/plain", null, false)]
    public void Attachments_count_by_video_type_extension_or_the_clip_flag(string name, string? type, int? flags, bool isClip)
    {
        var found = ClipDetector.Find(Message([Attachment(name, type, flags)]), new GuildSettings()).ToList();

        Assert.Equal(isClip ? 1 : 0, found.Count);
    }

    [Fact]
    public void Video_links_count_only_when_the_guild_keeps_them()
    {
        var embed = new DiscordEmbed("video", "https://videos.example/watch/1", Video: new DiscordEmbedVideo("https://videos.example/v/1.mp4"));
        var message = Message(embeds: [embed, new DiscordEmbed("image", "https://images.example/1.png")]);

        var kept = ClipDetector.Find(message, new GuildSettings { KeepVideoEmbeds = true }).ToList();
        var ignored = ClipDetector.Find(message, new GuildSettings { KeepVideoEmbeds = false }).ToList();

        Assert.Equal("1.mp4", Assert.Single(kept).FileName);
        Assert.Empty(ignored);
    }

    [Fact]
    public void A_page_of_empty_messages_looks_blind_but_a_quiet_page_with_text_does_not()
    {
        var blind = Enumerable.Range(0, 20).Select(_ => Message(content: "")).ToList();
        var quiet = Enumerable.Range(0, 20).Select(_ => Message(content: "just talk")).ToList();
        var few = Enumerable.Range(0, 3).Select(_ => Message(content: "")).ToList();

        Assert.True(ClipDetector.LooksBlind(blind));
        Assert.False(ClipDetector.LooksBlind(quiet));
        Assert.False(ClipDetector.LooksBlind(few));
    }
}

namespace ClipSaver.Tests.Emulator;

public sealed class ControlApiTests
{
    [Fact]
    public async Task The_world_can_be_changed_over_http_and_the_bot_sees_the_change()
    {
        await using var emulator = await EmulatorTestHost.StartAsync();
        using var control = new HttpClient { BaseAddress = new Uri(emulator.Host.BaseAddress, "_emulator/") };
        var channel = emulator.FirstTextChannel(emulator.ClipClub.Id);

        using var posted = await control.PostAsJsonAsync($"channels/{channel.Id}/messages", new
        {
            author_id = DemoUsers.Member.Id,
            content = "posted over http",
            attachments = new[] { new { filename = "http.mp4", size = 1234, content_type = "video/mp4", flags = 1 } },
        });
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        var newest = await EmulatorTestHost.JsonAsync(await emulator.Bot.GetAsync($"channels/{channel.Id}/messages?limit=1"));
        Assert.Equal("posted over http", newest[0].GetProperty("content").GetString());
        Assert.Equal(1234, newest[0].GetProperty("attachments")[0].GetProperty("size").GetInt64());

        using var renamed = await control.PatchAsJsonAsync($"channels/{channel.Id}", new { name = "renamed" });
        Assert.Equal(HttpStatusCode.NoContent, renamed.StatusCode);
        Assert.Equal("renamed", emulator.World.Channel(channel.Id)!.Name);

        using var removed = await control.DeleteAsync($"guilds/{emulator.ClipClub.Id}/bot");
        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await emulator.Bot.GetAsync($"guilds/{emulator.ClipClub.Id}")).StatusCode);

        using var unknown = await control.DeleteAsync($"channels/{channel.Id}/messages/1");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        var world = await control.GetStringAsync("world");
        Assert.Contains(emulator.ClipClub.Id.ToString(CultureInfo.InvariantCulture), world, StringComparison.Ordinal);
    }
}

namespace ClipSaver.Tests.OwnData;

/// <summary>A member who opted out is not archived by a scan of a channel they post in; the owner sees a count, never who.</summary>
public sealed class OptOutScanTests : AppTestBase
{
    protected override WorldShape World => WorldShape.Small;

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?> { ["ClipSaver:Scans:PageSize"] = "10" };

    [Fact]
    public async Task A_scan_skips_the_posts_of_an_author_who_opted_out_and_counts_them_per_channel_and_run()
    {
        var guild = await ReconciledBotGuildAsync();
        // The channel with the most clips, and its most frequent clip author: they opt out before the scan.
        var (channel, clipsByAuthor) = TextChannels(guild)
            .Select(c => (c, Discord.World.Messages(c.Id, int.MaxValue)
                .Select(m => (m.Author, Clips: m.Attachments.Count(a => a.ContentType.StartsWith("video/", StringComparison.Ordinal)) + m.Embeds.Count(e => e.Type is "video" or "gifv")))
                .Where(x => x.Clips > 0).GroupBy(x => x.Author.Id).ToDictionary(g => g.Key, g => g.Sum(x => x.Clips))))
            .OrderByDescending(x => x.Item2.Values.Sum()).First();
        Assert.True(clipsByAuthor.Count >= 2, "The channel has clips of several authors.");
        var optedOut = clipsByAuthor.OrderByDescending(a => a.Value).First().Key;
        var member = await ApiClientAsync(optedOut);
        Assert.Equal(HttpStatusCode.OK, (await member.PutAsync("/api/me/opt-out", JsonContent(new { optOut = true }))).StatusCode);

        var channelId = (long)channel.Id;
        await using (var db = Db.CreateContext())
        {
            await db.Channels.Where(c => c.Id == channelId).ExecuteUpdateAsync(s => s.SetProperty(c => c.IsReading, true));
        }

        long runId = 0;
        await RunAsync<Scans>(async s => runId = await s.StartAsync((long)guild.Id, channelId, ScanKind.Backfill, CancellationToken.None));
        await RunAsync<ScanJob>(j => j.RunAsync(runId, CancellationToken.None));

        await using (var db = Db.CreateContext())
        {
            var authorId = TestDiscord.Id(optedOut);
            var run = await db.ScanRuns.AsNoTracking().SingleAsync(r => r.Id == runId);
            Assert.Equal(ScanStatus.Completed, run.Status);
            Assert.Equal(0, await db.Clips.CountAsync(c => c.AuthorId == authorId));
            Assert.True(await db.Clips.AnyAsync(c => c.ChannelId == channelId), "Everyone else's clips are archived.");
            Assert.False(await db.GuildMembers.AnyAsync(m => m.UserId == authorId), "Who opted out is not recorded as a member either.");
            Assert.Equal(clipsByAuthor[optedOut], run.ClipsSkippedOptedOut);
            Assert.Equal(clipsByAuthor[optedOut], await db.Channels.Where(c => c.Id == channelId).Select(c => c.ClipsSkippedOptedOut).SingleAsync());
        }

        // Opted back in, the next scan from the start archives their posts again.
        Assert.Equal(HttpStatusCode.OK, (await member.PutAsync("/api/me/opt-out", JsonContent(new { optOut = false }))).StatusCode);
        await using (var db = Db.CreateContext())
        {
            await db.Channels.Where(c => c.Id == channelId).ExecuteUpdateAsync(s => s.SetProperty(c => c.BackfillBeforeId, (long?)null).SetProperty(c => c.BackfillComplete, false));
        }

        await RunAsync<Scans>(async s => runId = await s.StartAsync((long)guild.Id, channelId, ScanKind.Backfill, CancellationToken.None));
        await RunAsync<ScanJob>(j => j.RunAsync(runId, CancellationToken.None));
        await using (var db = Db.CreateContext())
        {
            Assert.True(await db.Clips.AnyAsync(c => c.AuthorId == TestDiscord.Id(optedOut)));
        }
    }

    private static StringContent JsonContent(object body) => new(JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json");
}

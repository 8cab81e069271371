using System.IO.Hashing;

namespace ClipSaver.Tests.Scanning;

public sealed class ScanTests : AppTestBase
{
    private static readonly string[] ClipExtensions = ["mp4", "webm", "mov", "mkv", "m4v"];

    protected override WorldShape World => WorldShape.Small;

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["ClipSaver:Scans:PageSize"] = "10",
        ["Discord:RequestTimeout"] = "00:00:02",
    };

    [Fact]
    public async Task A_scan_archives_exactly_the_clips_the_emulator_holds_with_matching_files()
    {
        var (guildId, channelId, runId) = await ArchivedChannelScanAsync();

        await RunScanAsync(runId);

        await AssertArchiveMatchesEmulatorAsync(channelId);
        await using var db = Db.CreateContext();
        var run = await db.ScanRuns.AsNoTracking().SingleAsync(r => r.Id == runId);
        Assert.Equal(ScanStatus.Completed, run.Status);
        Assert.Equal(Discord.World.CountMessages((ulong)channelId), run.MessagesRead);
        Assert.True(await db.GuildMembers.AnyAsync(m => m.GuildId == guildId), "Authors are recorded as members.");
    }

    [Fact]
    public async Task A_scan_killed_in_the_middle_resumes_and_ends_with_the_same_rows_and_files()
    {
        var (_, channelId, runId) = await ArchivedChannelScanAsync();
        // A second a page: the watcher below has that long to see the first page's clips (a loaded machine can hold it up
        // for a good part of a second) before the next page comes in.
        Discord.Faults.Add(new FaultRule("GET /channels/{channel_id}/messages", Delay: TimeSpan.FromSeconds(1)));

        // Killed as soon as the first page is in, while the next page is still on its way (not after a fixed time,
        // which on a busy machine could come before the first page or after the last).
        using (var kill = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            var watcher = Task.Run(async () =>
            {
                while (!kill.IsCancellationRequested)
                {
                    await using var db = Db.CreateContext();
                    if (await db.Clips.AnyAsync(c => c.ChannelId == channelId, CancellationToken.None))
                    {
                        await kill.CancelAsync();
                        return;
                    }

                    await Task.Delay(10, CancellationToken.None);
                }
            });
            await RunScanAsync(runId, kill.Token);
            await kill.CancelAsync();
            await watcher;
        }

        long partial;
        await using (var db = Db.CreateContext())
        {
            partial = await db.Clips.CountAsync(c => c.ChannelId == channelId);
            // A killed process leaves its run "running" with a fresh heartbeat but no lease: the next job (the
            // re-fetched one, or the recovery dispatcher's) takes it over at once, without waiting for it to go stale.
            await db.ScanRuns.Where(r => r.Id == runId).ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Status, ScanStatus.Running).SetProperty(r => r.FinishedAt, (DateTimeOffset?)null)
                .SetProperty(r => r.HeartbeatAt, DateTimeOffset.UtcNow));
        }

        Assert.InRange(partial, 1, ExpectedClips(channelId).Count - 1);
        Discord.Faults.Clear();
        await RunScanAsync(runId);

        await AssertArchiveMatchesEmulatorAsync(channelId);
    }

    [Fact]
    public async Task Server_errors_and_dropped_connections_still_end_in_a_complete_archive()
    {
        var (_, channelId, runId) = await ArchivedChannelScanAsync();
        Discord.Faults.Add(new FaultRule("GET /channels/{channel_id}/messages", ErrorShare: 0.3, ErrorStatus: 500));
        Discord.Faults.Add(new FaultRule("/cdn/*", ErrorShare: 0.2, ErrorStatus: 502, DropShare: 0.1));

        // As Hangfire does: a run that failed after the client's own retries is run again (up to 5 attempts).
        for (var attempt = 0; attempt < 5 && !await IsCompletedAsync(runId); attempt++)
        {
            await RunScanAsync(runId);
        }

        await AssertArchiveMatchesEmulatorAsync(channelId);
    }

    [Fact]
    public async Task A_stopped_scan_ends_within_one_page_and_writes_nothing_more()
    {
        var (_, channelId, runId) = await ArchivedChannelScanAsync();
        Discord.Faults.Add(new FaultRule("GET /channels/{channel_id}/messages", Delay: TimeSpan.FromMilliseconds(300)));

        var scan = RunScanAsync(runId);
        await WaitUntilAsync(async db => await db.ScanRuns.AnyAsync(r => r.Id == runId && r.MessagesRead > 0));
        await RunAsync<Scans>(s => s.StopChannelScansAsync(channelId, "test", CancellationToken.None));
        long readWhenStopped;
        await using (var db = Db.CreateContext())
        {
            readWhenStopped = await db.ScanRuns.Where(r => r.Id == runId).Select(r => r.MessagesRead).FirstAsync();
        }

        await scan;

        await using var check = Db.CreateContext();
        var run = await check.ScanRuns.AsNoTracking().SingleAsync(r => r.Id == runId);
        Assert.Equal(ScanStatus.Cancelled, run.Status);
        Assert.InRange(run.MessagesRead, readWhenStopped, readWhenStopped + 10);
        Assert.True(run.MessagesRead < Discord.World.CountMessages((ulong)channelId));
    }

    [Fact]
    public async Task Two_scans_of_one_channel_cannot_run_at_once()
    {
        var (guildId, channelId) = await ArchivedChannelAsync();
        long first, second;
        await using (var db = Db.CreateContext())
        {
            var a = TestData.ScanRun(guildId, channelId, ScanStatus.Queued, null);
            var b = TestData.ScanRun(guildId, channelId, ScanStatus.Queued, null);
            db.ScanRuns.AddRange(a, b);
            await db.SaveChangesAsync();
            (first, second) = (a.Id, b.Id);
        }

        await Task.WhenAll(RunScanAsync(first), RunScanAsync(second));

        await using var check = Db.CreateContext();
        var statuses = await check.ScanRuns.Where(r => r.Id == first || r.Id == second).Select(r => r.Status).ToListAsync();
        Assert.Contains(ScanStatus.Completed, statuses);
        Assert.Single(statuses, s => s == ScanStatus.Completed || s == ScanStatus.Running);
        await AssertArchiveMatchesEmulatorAsync(channelId);
    }

    [Fact]
    public async Task Scans_of_every_channel_at_once_share_authors_without_deadlocks()
    {
        var guild = await ReconciledBotGuildAsync();
        var channels = TextChannels(guild).Select(c => (long)c.Id).ToList();
        await using (var db = Db.CreateContext())
        {
            await db.Channels.Where(c => channels.Contains(c.Id)).ExecuteUpdateAsync(s => s.SetProperty(c => c.IsReading, true));
        }

        var runs = new List<long>();
        foreach (var channel in channels)
        {
            runs.Add(await StartScanAsync((long)guild.Id, channel));
        }

        await Task.WhenAll(runs.Select(r => RunScanAsync(r)));

        await using var check = Db.CreateContext();
        Assert.All(await check.ScanRuns.Where(r => runs.Contains(r.Id)).Select(r => new { r.Status, r.Error }).ToListAsync(),
            r => Assert.Equal((ScanStatus.Completed, (string?)null), (r.Status, r.Error)));
        foreach (var channel in channels)
        {
            await AssertArchiveMatchesEmulatorAsync(channel);
        }
    }

    [Fact]
    public async Task Without_the_message_content_intent_the_scan_fails_loudly_and_archives_nothing()
    {
        var (guildId, channelId) = await ArchivedChannelAsync();
        Discord.World.SetIntents(membersIntent: true, messageContentIntent: false);
        var runId = await StartScanAsync(guildId, channelId);

        await RunScanAsync(runId);

        await using var db = Db.CreateContext();
        var run = await db.ScanRuns.AsNoTracking().SingleAsync(r => r.Id == runId);
        Assert.Equal(ScanStatus.Failed, run.Status);
        Assert.Equal(ScanJob.MissingIntentMessage, run.Error);
        Assert.Equal(0, await db.Clips.CountAsync(c => c.ChannelId == channelId));
    }

    [Fact]
    public async Task Voice_and_stage_channels_are_listed_with_their_kind_and_the_clips_in_their_text_chat_are_archived()
    {
        var guild = await ReconciledBotGuildAsync();
        var voice = Discord.World.Channels(guild.Id).Single(c => c.Type == 2);
        var stage = Discord.World.Channels(guild.Id).Single(c => c.Type == 13);
        var author = Discord.World.Members(guild.Id).First(m => !m.User.Bot).User.Id;
        Discord.World.PostMessage(voice.Id, author, "from the voice chat", new NewAttachment("voice-clip.mp4", 4_000, "video/mp4"));
        Discord.World.PostMessage(stage.Id, author, "from the stage chat", new NewAttachment("stage-clip.webm", 5_000, "video/webm"));

        // Stored as Discord has them, and listed with their kind and the archive switch.
        await using (var db = Db.CreateContext())
        {
            Assert.Equal(2, await db.Channels.Where(c => c.Id == (long)voice.Id).Select(c => c.Type).SingleAsync());
            Assert.Equal(13, await db.Channels.Where(c => c.Id == (long)stage.Id).Select(c => c.Type).SingleAsync());
        }

        using var owner = App.CreateClientAs(TestDiscord.Id(DemoUsers.Owner.Id));
        var page = await owner.GetStringAsync($"/guilds/{guild.Id}/channels");
        foreach (var (channel, kind) in new[] { (voice, "voice"), (stage, "stage") })
        {
            var row = page[page.IndexOf($"id=\"channel-{channel.Id}\"", StringComparison.Ordinal)..];
            row = row[..row.IndexOf("</tr>", StringComparison.Ordinal)];
            Assert.Contains($"<span class=\"badge\">{kind}</span>", row, StringComparison.Ordinal);
            Assert.Contains("data-testid=\"archive-switch\"", row, StringComparison.Ordinal);
        }

        // The switch starts a backfill like any text channel's, and the clip in the chat is archived with its file.
        foreach (var (channel, file) in new[] { (voice, "voice-clip.mp4"), (stage, "stage-clip.webm") })
        {
            var result = ArchiveSwitchResult.UnknownChannel;
            await RunAsync<ChannelArchiving>(async a => result = await a.SetAsync(ClipSaver.Core.Access.Actor.User(TestDiscord.Id(DemoUsers.Owner.Id)), (long)guild.Id, (long)channel.Id, true, CancellationToken.None));
            Assert.Equal(ArchiveSwitchResult.Done, result);
            await using var db = Db.CreateContext();
            var runId = await db.ScanRuns.Where(r => r.ChannelId == (long)channel.Id).Select(r => r.Id).SingleAsync();
            await RunScanAsync(runId);

            Assert.Equal(ScanStatus.Completed, await db.ScanRuns.Where(r => r.Id == runId).Select(r => r.Status).SingleAsync());
            var clip = await db.Clips.AsNoTracking().SingleAsync(c => c.ChannelId == (long)channel.Id);
            Assert.Equal(file, clip.FileName);
            Assert.NotNull(clip.StorageKey);
        }
    }

    [Fact]
    public async Task Switching_on_a_forum_archives_its_posts_threads_and_never_asks_discord_for_the_forums_own_messages()
    {
        var guild = await ReconciledBotGuildAsync();
        var forum = Discord.World.Channels(guild.Id).Single(c => c.Type == 15);
        var post = Discord.World.Channels(guild.Id).First(c => c.ParentId == forum.Id);
        var author = Discord.World.Members(guild.Id).First(m => !m.User.Bot).User.Id;
        Discord.World.PostMessage(post.Id, author, "my request, with a clip", new NewAttachment("forum-clip.mp4", 4_000, "video/mp4"));

        var result = ArchiveSwitchResult.UnknownChannel;
        await RunAsync<ChannelArchiving>(async a => result = await a.SetAsync(ClipSaver.Core.Access.Actor.User(TestDiscord.Id(DemoUsers.Owner.Id)), (long)guild.Id, (long)forum.Id, true, CancellationToken.None));
        Assert.Equal(ArchiveSwitchResult.Done, result);
        await using var db = Db.CreateContext();
        var runs = await db.ScanRuns.Where(r => r.GuildId == (long)guild.Id).Select(r => r.Id).ToListAsync();
        Assert.True(runs.Count >= 2, "the forum and its posts each get a scan");
        foreach (var runId in runs)
        {
            await RunScanAsync(runId);
        }

        var ended = await db.ScanRuns.AsNoTracking().Where(r => runs.Contains(r.Id)).Select(r => new { r.ChannelId, r.Status, r.Error }).ToListAsync();
        Assert.All(ended, r => Assert.True(r.Status == ScanStatus.Completed && r.Error is null, $"{r.ChannelId}: {r.Status} {r.Error}"));
        Assert.Equal("forum-clip.mp4", (await db.Clips.AsNoTracking().SingleAsync(c => c.ChannelId == (long)post.Id && c.FileName == "forum-clip.mp4")).FileName);
    }

    private async Task<(long GuildId, long ChannelId)> ArchivedChannelAsync()
    {
        var guild = await ReconciledBotGuildAsync();
        var channel = TextChannels(guild).First(c => ExpectedClips((long)c.Id).Count >= 5);
        await using var db = Db.CreateContext();
        await db.Channels.Where(c => c.Id == (long)channel.Id).ExecuteUpdateAsync(s => s.SetProperty(c => c.IsReading, true));
        return ((long)guild.Id, (long)channel.Id);
    }

    /// <summary>An archived channel (<see cref="ArchivedChannelAsync"/>) and a backfill of it, started but not run.</summary>
    private async Task<(long GuildId, long ChannelId, long RunId)> ArchivedChannelScanAsync()
    {
        var (guildId, channelId) = await ArchivedChannelAsync();
        return (guildId, channelId, await StartScanAsync(guildId, channelId));
    }

    private async Task<long> StartScanAsync(long guildId, long channelId)
    {
        long id = 0;
        await RunAsync<Scans>(async s => id = await s.StartAsync(guildId, channelId, ScanKind.Backfill, CancellationToken.None));
        return id;
    }

    private async Task RunScanAsync(long runId, CancellationToken cancellationToken = default)
    {
        await using var scope = App.Services.CreateAsyncScope();
        try
        {
            await scope.ServiceProvider.GetRequiredService<ScanJob>().RunAsync(runId, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutException or OperationCanceledException)
        {
            // Hangfire would retry; the test asserts on what is in the database.
        }
    }

    private async Task<bool> IsCompletedAsync(long runId)
    {
        await using var db = Db.CreateContext();
        return await db.ScanRuns.AnyAsync(r => r.Id == runId && r.Status == ScanStatus.Completed);
    }

    private async Task WaitUntilAsync(Func<ClipSaverDbContext, Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            await using var db = Db.CreateContext();
            if (await condition(db))
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("The condition did not become true.");
    }

    /// <summary>Attachments a guild with default settings keeps: video types, clip extensions or the clip flag.</summary>
    private List<EmulatedAttachment> ExpectedClips(long channelId) =>
        [.. Discord.World.Messages((ulong)channelId, int.MaxValue)
            .SelectMany(m => m.Attachments)
            .Where(a => a.ContentType.StartsWith("video/", StringComparison.Ordinal) || (a.Flags & 1) != 0
                || ClipExtensions.Contains(Path.GetExtension(a.Filename).TrimStart('.').ToLowerInvariant()))];

    private async Task AssertArchiveMatchesEmulatorAsync(long channelId)
    {
        var expected = ExpectedClips(channelId);
        var expectedEmbeds = Discord.World.Messages((ulong)channelId, int.MaxValue).SelectMany(m => m.Embeds).Count(e => e.Type is "video" or "gifv");
        await using var db = Db.CreateContext();
        var clips = await db.Clips.AsNoTracking().Where(c => c.ChannelId == channelId).ToListAsync();
        var attachments = clips.Where(c => c.Source == ClipSource.Attachment).ToList();
        Assert.Equal(expected.Select(a => (long)a.Id).Order(), attachments.Select(c => c.AttachmentId!.Value).Order());
        Assert.Equal(expectedEmbeds, clips.Count(c => c.Source == ClipSource.Embed));

        var storage = App.Services.GetRequiredService<IClipStorage>();
        foreach (var clip in attachments)
        {
            var source = expected.Single(a => (long)a.Id == clip.AttachmentId);
            Assert.NotNull(clip.StorageKey);
            Assert.Equal(source.Size, clip.SizeBytes);
            await using var file = await storage.OpenReadAsync(clip.StorageKey!, CancellationToken.None);
            Assert.NotNull(file);
            Assert.Equal(source.Size, file!.Length);
            using var copy = new MemoryStream();
            await file.CopyToAsync(copy);
            var bytes = copy.ToArray();
            Assert.Equal(clip.Sha256, Convert.ToHexStringLower(SHA256.HashData(bytes)));
            // The CRC-32 an export writes for the file without reading it: the stored bytes' own, its 32 bits in a signed int.
            Assert.Equal(unchecked((int)Crc32.HashToUInt32(bytes)), clip.Crc32);
        }

        var channel = await db.Channels.AsNoTracking().SingleAsync(c => c.Id == channelId);
        Assert.Equal(clips.Count, channel.ClipCount);
        Assert.Equal(attachments.Sum(c => c.SizeBytes), channel.ClipBytes);
        Assert.Equal(clips.Count, await db.ClipDays.Where(d => d.ChannelId == channelId).SumAsync(d => d.Clips));
    }
}

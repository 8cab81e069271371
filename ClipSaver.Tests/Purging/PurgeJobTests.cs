namespace ClipSaver.Tests.Purging;

public class PurgeJobTests : PurgeFixture
{
    private static readonly string[] Steps = ["stopping_scans", "deleting_rows", "deleting_files", "removing_guild", "verifying"];

    [Fact]
    public async Task A_channel_purge_deletes_exactly_that_channel_and_reports_what_was_there()
    {
        var otherChannel = await ChannelSnapshotAsync(ChannelB);
        var otherGuild = await SnapshotAsync(OtherGuildId);
        var run = await RequestDueAsync(PurgeScope.Channel, ChannelA);

        await RunJobAsync(run);

        await using var context = Db.CreateContext();
        Assert.Equal(0, await context.Clips.CountAsync(c => c.ChannelId == ChannelA));
        Assert.Equal(0, await context.ScanRuns.CountAsync(r => r.ChannelId == ChannelA));
        Assert.Empty(await Storage.ListAsync(ClipStorageKeys.ChannelPrefix(GuildId, ChannelA), CancellationToken.None).ToListAsync());
        Assert.Equal(otherChannel, await ChannelSnapshotAsync(ChannelB));
        Assert.Equal(otherGuild, await SnapshotAsync(OtherGuildId));

        var stored = await context.PurgeRuns.AsNoTracking().SingleAsync();
        Assert.Equal(PurgeStatus.Completed, stored.Status);
        var report = PurgeReport.Parse(stored.ReportJson);
        Assert.Equal(23, report.ClipsDeleted);
        Assert.Equal(23, report.FilesDeleted);
        Assert.Equal(Enumerable.Range(0, 23).Sum(i => 100L + i), report.BytesDeleted);
        Assert.Equal(2, report.RowsDeleted["scan_runs"]);
        Assert.True(report.VerificationOk);
        var channel = await context.Channels.AsNoTracking().SingleAsync(c => c.Id == ChannelA);
        Assert.False(channel.IsReading);
        Assert.Equal(0, channel.ClipCount);
        Assert.Single(await context.AuditEvents.Where(e => e.Action == "purge.completed").ToListAsync());
    }

    /// <summary>Posters beside every clip's file, as the thumbnail job stores them (docs/decisions/020-thumbnails.md); returns how many.</summary>
    private async Task<int> AddThumbnailsAsync()
    {
        await using var context = Db.CreateContext();
        var keys = await context.Clips.Where(c => c.StorageKey != null).Select(c => c.StorageKey!).ToListAsync();
        foreach (var key in keys)
        {
            await Storage.PutAsync(ClipStorageKeys.ThumbnailOf(key), new MemoryStream([0xFF, 0xD8, 0xFF, 1, 2]), 100, CancellationToken.None);
        }

        await context.Clips.Where(c => c.StorageKey != null).ExecuteUpdateAsync(s => s.SetProperty(c => c.ThumbnailState, ThumbnailState.Made));
        return keys.Count;
    }

    private async Task<int> ThumbnailsUnderAsync(string prefix) =>
        await Storage.ListAsync(prefix, CancellationToken.None).CountAsync(o => ClipStorageKeys.IsThumbnail(o.Key));

    [Fact]
    public async Task A_purge_deletes_the_scopes_thumbnails_its_check_counts_them_and_its_report_counts_the_clips_files()
    {
        await AddThumbnailsAsync();
        var run = await RequestDueAsync(PurgeScope.Channel, ChannelA);

        await RunJobAsync(run);

        Assert.Empty(await Storage.ListAsync(ClipStorageKeys.ChannelPrefix(GuildId, ChannelA), CancellationToken.None).ToListAsync());
        Assert.Equal(11, await ThumbnailsUnderAsync(ClipStorageKeys.ChannelPrefix(GuildId, ChannelB)));
        Assert.Equal(9, await ThumbnailsUnderAsync(ClipStorageKeys.GuildPrefix(OtherGuildId)));
        await using var context = Db.CreateContext();
        var report = PurgeReport.Parse((await context.PurgeRuns.AsNoTracking().SingleAsync()).ReportJson);
        Assert.True(report.VerificationOk);
        // As the preview counts them: the clips' files, whose posters go with them.
        Assert.Equal(23, report.FilesDeleted);
        Assert.Equal(Enumerable.Range(0, 23).Sum(i => 100L + i), report.BytesDeleted);
    }

    [Fact]
    public async Task A_thumbnail_left_in_the_scope_after_the_deletes_fails_the_check_and_the_retry_removes_it()
    {
        await AddThumbnailsAsync();
        var run = await RequestDueAsync(PurgeScope.Channel, ChannelA);
        // A poster stored after the files went (it cannot be, behind the fence; if it were): the check must see it.
        var late = new LateThumbnail(Storage, ClipStorageKeys.ThumbnailOf(ClipStorageKeys.ForAttachment(GuildId, ChannelA, TestData.NewId(), "late.mp4")));

        await Assert.ThrowsAsync<InvalidOperationException>(() => RunJobAsync(run, storage: late));

        await RunJobAsync(run);

        Assert.Empty(await Storage.ListAsync(ClipStorageKeys.ChannelPrefix(GuildId, ChannelA), CancellationToken.None).ToListAsync());
        await using var check = Db.CreateContext();
        Assert.True(PurgeReport.Parse((await check.PurgeRuns.AsNoTracking().SingleAsync()).ReportJson).VerificationOk);
    }

    /// <summary>Stores one more thumbnail in the scope right after the purge's delete by prefix.</summary>
    private sealed class LateThumbnail(IClipStorage inner, string key) : DelegatingClipStorage(inner)
    {
        public override async Task<(long Files, long Bytes)> DeleteByPrefixAsync(string prefix, CancellationToken cancellationToken)
        {
            var deleted = await base.DeleteByPrefixAsync(prefix, cancellationToken);
            if (key.StartsWith(prefix, StringComparison.Ordinal))
            {
                await base.PutAsync(key, new MemoryStream([0xFF, 0xD8]), 100, cancellationToken);
            }

            return deleted;
        }
    }

    [Fact]
    public async Task A_members_deletion_of_their_clips_takes_the_posters_along()
    {
        await AddThumbnailsAsync();
        await using var context = Db.CreateContext();
        var clip = await context.Clips.AsNoTracking().FirstAsync(c => c.ChannelId == ChannelA);

        await new ClipArchive(context, Storage).DeleteAsync(GuildId, context.Clips.Where(c => c.AuthorId == clip.AuthorId), 10, CancellationToken.None);

        Assert.Null(await Storage.GetInfoAsync(clip.StorageKey!, CancellationToken.None));
        Assert.Null(await Storage.GetInfoAsync(ClipStorageKeys.ThumbnailOf(clip.StorageKey!), CancellationToken.None));
        Assert.Equal(22, await ThumbnailsUnderAsync(ClipStorageKeys.ChannelPrefix(GuildId, ChannelA)));
    }

    [Fact]
    public async Task A_channel_purge_covers_its_threads_in_the_preview_the_deletion_the_check_the_report_and_the_cooldown()
    {
        long thread;
        await using (var context = Db.CreateContext())
        {
            var t = TestData.Channel(GuildId, name: "a-thread");
            t.IsThread = true;
            t.Type = 11;
            t.ParentId = ChannelA;
            context.Channels.Add(t);
            await context.SaveChangesAsync();
            thread = t.Id;
            await SeedChannelAsync(context, GuildId, thread, 12);
        }

        var otherChannel = await ChannelSnapshotAsync(ChannelB);
        var otherGuild = await SnapshotAsync(OtherGuildId);
        await using (var context = Db.CreateContext())
        {
            var preview = await PurgePreview.CountAsync(context, GuildId, PurgeScope.Channel, ChannelA, CancellationToken.None);
            Assert.Equal(23 + 12, preview.Clips);
            Assert.Equal(23 + 12, preview.Files);
            Assert.Equal(4, preview.ScanRuns);
            Assert.Equal(2, preview.Channels);
        }

        var run = await RequestDueAsync(PurgeScope.Channel, ChannelA);
        await using (var context = Db.CreateContext())
        {
            // The thread shares the channel's cooldown: it cannot be purged on its own right after.
            var again = await Request(context).RunAsync(OwnerActor, GuildId, PurgeScope.Channel, thread, "a-thread", CancellationToken.None);
            Assert.IsType<PurgeResult.Conflict>(again); // the channel's purge, which covers it, is still to run
        }

        await RunJobAsync(run);

        await using var after = Db.CreateContext();
        Assert.Equal(0, await after.Clips.CountAsync(c => c.ChannelId == thread || c.ChannelId == ChannelA));
        Assert.Equal(0, await after.ScanRuns.CountAsync(r => r.ChannelId == thread));
        Assert.Empty(await Storage.ListAsync(ClipStorageKeys.ChannelPrefix(GuildId, thread), CancellationToken.None).ToListAsync());
        var threadRow = await after.Channels.AsNoTracking().SingleAsync(c => c.Id == thread);
        Assert.Equal(0, threadRow.ClipCount);
        Assert.NotNull(threadRow.PurgeCooldownUntil);
        var report = PurgeReport.Parse((await after.PurgeRuns.AsNoTracking().SingleAsync()).ReportJson);
        Assert.Equal(35, report.ClipsDeleted);
        Assert.Equal(35, report.FilesDeleted);
        Assert.True(report.VerificationOk);
        Assert.Equal(otherChannel, await ChannelSnapshotAsync(ChannelB));
        Assert.Equal(otherGuild, await SnapshotAsync(OtherGuildId));
        var cooling = await Request(after).RunAsync(OwnerActor, GuildId, PurgeScope.Channel, thread, "a-thread", CancellationToken.None);
        Assert.IsType<PurgeResult.CoolingDown>(cooling);
    }

    [Fact]
    public async Task A_thread_scan_cannot_write_while_its_channel_is_being_purged()
    {
        long thread;
        await using (var context = Db.CreateContext())
        {
            var t = TestData.Channel(GuildId, name: "a-thread");
            (t.IsThread, t.Type, t.ParentId) = (true, 11, ChannelA);
            context.Channels.Add(t);
            await context.SaveChangesAsync();
            thread = t.Id;
        }

        var run = await RequestDueAsync(PurgeScope.Channel, ChannelA);
        await RunJobAsync(run, afterStep: async step =>
        {
            if (step == "stopping_scans")
            {
                await using var scan = Db.CreateContext();
                await using var tx = await scan.Database.BeginTransactionAsync();
                Assert.False(await ClipArchive.TryEnterForWriteAsync(scan, GuildId, thread, ChannelA, CancellationToken.None));
            }
        });
    }

    [Fact]
    public async Task An_all_channels_purge_empties_every_channel_keeps_the_channels_and_members_and_leaves_other_guilds_alone()
    {
        var otherGuild = await SnapshotAsync(OtherGuildId);
        var run = await RequestDueAsync(PurgeScope.AllChannels);

        await RunJobAsync(run);

        await using var context = Db.CreateContext();
        Assert.Equal(0, await context.Clips.CountAsync(c => c.GuildId == GuildId));
        Assert.Equal(2, await context.Channels.CountAsync(c => c.GuildId == GuildId && !c.IsReading));
        Assert.Equal(34, await context.GuildMembers.CountAsync(m => m.GuildId == GuildId));
        Assert.Empty(await Storage.ListAsync(ClipStorageKeys.GuildPrefix(GuildId), CancellationToken.None).ToListAsync());
        Assert.Equal(otherGuild, await SnapshotAsync(OtherGuildId));
        Assert.Equal(34, PurgeReport.Parse((await context.PurgeRuns.AsNoTracking().SingleAsync()).ReportJson).ClipsDeleted);
    }

    [Fact]
    public async Task A_guild_purge_removes_everything_marks_the_guild_purged_and_makes_the_bot_leave()
    {
        var otherGuild = await SnapshotAsync(OtherGuildId);
        await using (var db = Db.CreateContext())
        {
            // The settings history is the guild's data too (decision 023); the other guild keeps its own.
            foreach (var guildId in new[] { GuildId, GuildId, OtherGuildId })
            {
                db.GuildSettingsVersions.Add(new GuildSettingsVersion { GuildId = guildId, CreatedAt = DateTimeOffset.UtcNow, Kind = SettingsVersionKind.Changed, SettingsJson = "{}" });
            }

            await db.SaveChangesAsync();
        }

        var left = new List<long>();
        var run = await RequestDueAsync(PurgeScope.Guild);

        await RunJobAsync(run, leave: (id, _) =>
        {
            left.Add(id);
            return Task.CompletedTask;
        });

        await using var context = Db.CreateContext();
        Assert.Equal([GuildId], left);
        Assert.Equal(0, await context.Channels.CountAsync(c => c.GuildId == GuildId));
        Assert.Equal(0, await context.GuildMembers.CountAsync(m => m.GuildId == GuildId));
        Assert.Equal(0, await context.ScanRuns.CountAsync(r => r.GuildId == GuildId));
        var guild = await context.Guilds.AsNoTracking().SingleAsync(g => g.Id == GuildId);
        Assert.NotNull(guild.PurgedAt);
        Assert.Equal(GuildDeletionReason.Purged, guild.DeletionReason);
        Assert.Equal(otherGuild, await SnapshotAsync(OtherGuildId));
        var report = PurgeReport.Parse((await context.PurgeRuns.AsNoTracking().SingleAsync()).ReportJson);
        Assert.Equal(34, report.ClipsDeleted);
        Assert.Equal(2, report.RowsDeleted["channels"]);
        Assert.Equal(34, report.RowsDeleted["guild_members"]);
        Assert.Equal(2, report.RowsDeleted["guild_settings_versions"]);
        Assert.Equal(0, await context.GuildSettingsVersions.CountAsync(v => v.GuildId == GuildId));
        Assert.Equal(1, await context.GuildSettingsVersions.CountAsync(v => v.GuildId == OtherGuildId));
        Assert.Empty(report.Warnings);
    }

    [Fact]
    public async Task A_bot_that_cannot_leave_is_a_warning_in_the_report_not_a_failure()
    {
        var run = await RequestDueAsync(PurgeScope.Guild);

        await RunJobAsync(run, leave: (_, _) => throw new HttpRequestException("Discord answered 502"));

        await using var context = Db.CreateContext();
        var stored = await context.PurgeRuns.AsNoTracking().SingleAsync();
        Assert.Equal(PurgeStatus.Completed, stored.Status);
        Assert.Contains(PurgeReport.Parse(stored.ReportJson).Warnings, w => w.Contains("502", StringComparison.Ordinal));
    }

    public static TheoryData<PurgeScope, string> CrashPoints()
    {
        var data = new TheoryData<PurgeScope, string>();
        foreach (var scope in new[] { PurgeScope.Channel, PurgeScope.AllChannels, PurgeScope.Guild })
        {
            foreach (var step in Steps.Where(s => scope == PurgeScope.Guild || s != "removing_guild"))
            {
                data.Add(scope, step);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CrashPoints))]
    public async Task A_crash_after_any_step_followed_by_the_retry_ends_in_the_same_state_and_report(PurgeScope scope, string crashAfter)
    {
        var otherGuild = await SnapshotAsync(OtherGuildId);
        var run = await RequestDueAsync(scope, scope == PurgeScope.Channel ? ChannelA : null);

        await Assert.ThrowsAsync<SimulatedCrashException>(() => RunJobAsync(run, step => step == crashAfter ? throw new SimulatedCrashException() : Task.CompletedTask));
        await RunJobAsync(run);

        await using var context = Db.CreateContext();
        var stored = await context.PurgeRuns.AsNoTracking().SingleAsync(p => p.Id == run.Id);
        Assert.Equal(PurgeStatus.Completed, stored.Status);
        var report = PurgeReport.Parse(stored.ReportJson);
        Assert.Equal(scope == PurgeScope.Channel ? 23 : 34, report.ClipsDeleted);
        Assert.Equal(scope == PurgeScope.Channel ? 23 : 34, report.FilesDeleted);
        Assert.True(report.VerificationOk);
        Assert.Equal(0, await context.Clips.CountAsync(c => c.GuildId == GuildId && (scope != PurgeScope.Channel || c.ChannelId == ChannelA)));
        Assert.Equal(otherGuild, await SnapshotAsync(OtherGuildId));
        Assert.Single(await context.AuditEvents.Where(e => e.Action == "purge.completed").ToListAsync());
    }

    [Theory]
    [InlineData(ClipWalkOrder.Table)]
    [InlineData(ClipWalkOrder.Index)]
    public async Task A_crash_between_two_batches_of_clip_deletes_and_the_retry_end_in_the_same_state_and_report(ClipWalkOrder walk)
    {
        await using (var context = Db.CreateContext())
        {
            await SeedChannelAsync(context, GuildId, ChannelB, 200); // several pages and several batches
        }

        var otherGuild = await SnapshotAsync(OtherGuildId);
        var run = await RequestDueAsync(PurgeScope.AllChannels);
        var batches = 0;

        await Assert.ThrowsAsync<SimulatedCrashException>(() => RunJobAsync(run, walk: walk, afterClipBatch: () => ++batches == 1 ? throw new SimulatedCrashException() : Task.CompletedTask));
        await using (var context = Db.CreateContext())
        {
            var left = await context.Clips.CountAsync(c => c.GuildId == GuildId);
            Assert.InRange(left, 1, 233); // stopped after one batch: some clips gone, some not
        }

        await RunJobAsync(run, walk: walk);

        await using var after = Db.CreateContext();
        var stored = await after.PurgeRuns.AsNoTracking().SingleAsync(p => p.Id == run.Id);
        Assert.Equal(PurgeStatus.Completed, stored.Status);
        var report = PurgeReport.Parse(stored.ReportJson);
        Assert.Equal(234, report.ClipsDeleted);
        Assert.Equal(234, report.FilesDeleted);
        Assert.True(report.VerificationOk);
        Assert.Equal(0, await after.Clips.CountAsync(c => c.GuildId == GuildId));
        Assert.Equal(otherGuild, await SnapshotAsync(OtherGuildId));
    }

    [Theory]
    [InlineData(ClipWalkOrder.Auto)]
    [InlineData(ClipWalkOrder.Table)]
    [InlineData(ClipWalkOrder.Index)]
    public async Task Two_copies_of_the_same_run_at_once_end_in_one_result_with_exact_counts(ClipWalkOrder walk)
    {
        var otherGuild = await SnapshotAsync(OtherGuildId);
        var run = await RequestDueAsync(PurgeScope.AllChannels);

        await Task.WhenAll(RunJobAsync(run, walk: walk), RunJobAsync(run, walk: walk));

        await using var context = Db.CreateContext();
        var stored = await context.PurgeRuns.AsNoTracking().SingleAsync();
        Assert.Equal(PurgeStatus.Completed, stored.Status);
        var report = PurgeReport.Parse(stored.ReportJson);
        Assert.Equal(34, report.ClipsDeleted);
        Assert.Equal(4, report.RowsDeleted["scan_runs"]);
        Assert.Equal(0, await context.Clips.CountAsync(c => c.GuildId == GuildId));
        Assert.Equal(otherGuild, await SnapshotAsync(OtherGuildId));
        Assert.Single(await context.AuditEvents.Where(e => e.Action == "purge.completed").ToListAsync());
    }

    [Fact]
    public async Task A_cancelled_run_does_nothing_when_its_job_fires()
    {
        var before = await SnapshotAsync(GuildId);
        await using var context = Db.CreateContext();
        var run = Assert.IsType<PurgeResult.Accepted>(
            await Request(context).RunAsync(OwnerActor, GuildId, PurgeScope.AllChannels, null, PurgeScopes.AllChannelsPhrase, CancellationToken.None)).Run;
        await Cancel(context).RunAsync(OwnerActor, run.Id, GuildId, CancellationToken.None);
        Clock.Advance(Options.UndoWindow);

        await RunJobAsync(run);

        Assert.Equal(PurgeStatus.Cancelled, (await context.PurgeRuns.AsNoTracking().SingleAsync()).Status);
        Assert.Equal(before, await SnapshotAsync(GuildId));
    }

    [Fact]
    public async Task A_scan_writing_when_the_purge_starts_finishes_its_page_first_and_no_clip_appears_after()
    {
        var run = await RequestDueAsync(PurgeScope.Channel, ChannelA);

        // A scan's page transaction is inside the scope when the purge starts.
        await using var scan = Db.CreateContext();
        await using var scanTx = await scan.Database.BeginTransactionAsync();
        Assert.True(await ClipArchive.TryEnterForWriteAsync(scan, GuildId, ChannelA, CancellationToken.None));
        scan.Clips.Add(NewClip(ChannelA));
        await scan.SaveChangesAsync();

        var purge = RunJobAsync(run);
        await Task.Delay(500);
        Assert.False(purge.IsCompleted, "The purge must wait for the scan's page to commit.");
        await scanTx.CommitAsync();
        await purge;

        // A scan page that starts after the purge began cannot write into the scope.
        await using var late = Db.CreateContext();
        await using var lateTx = await late.Database.BeginTransactionAsync();
        await late.PurgeRuns.Where(p => p.Id == run.Id).ExecuteUpdateAsync(s => s.SetProperty(p => p.Status, PurgeStatus.Running));
        Assert.False(await ClipArchive.TryEnterForWriteAsync(late, GuildId, ChannelA, CancellationToken.None));
        Assert.True(await ClipArchive.TryEnterForWriteAsync(late, GuildId, ChannelB, CancellationToken.None));
        await lateTx.RollbackAsync();

        await using var check = Db.CreateContext();
        Assert.Equal(0, await check.Clips.CountAsync(c => c.ChannelId == ChannelA));
        Assert.Equal(24, PurgeReport.Parse((await check.PurgeRuns.AsNoTracking().SingleAsync()).ReportJson).ClipsDeleted);
    }

    [Fact]
    public async Task Running_scans_of_the_scope_are_asked_to_stop_and_the_purge_waits_for_them()
    {
        long scanId;
        await using (var context = Db.CreateContext())
        {
            var running = TestData.ScanRun(GuildId, ChannelA, ScanStatus.Running, null);
            var queued = TestData.ScanRun(GuildId, ChannelB, ScanStatus.Queued, null);
            context.ScanRuns.AddRange(running, queued);
            await context.SaveChangesAsync();
            scanId = running.Id;
        }

        var run = await RequestDueAsync(PurgeScope.AllChannels);
        // The "scan" is alive: it holds its run's lease, as a scan job does.
        var scanLease = await AdvisoryLock.TryAcquireAsync(Db.ConnectionString, RunLeases.Scan(scanId), CancellationToken.None);
        Assert.NotNull(scanLease);
        var purge = RunJobAsync(run);

        // The "scan" notices its stop flag and ends.
        await using (var scan = Db.CreateContext())
        {
            while (await scan.ScanRuns.Where(r => r.Id == scanId).Select(r => r.StopRequestedAt).FirstAsync() is null)
            {
                await Task.Delay(50);
            }

            Assert.False(purge.IsCompleted);
            await scan.ScanRuns.Where(r => r.Id == scanId).ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, ScanStatus.Cancelled).SetProperty(r => r.FinishedAt, DateTimeOffset.UtcNow));
            await scanLease.DisposeAsync();
        }

        await purge;
        await using var check = Db.CreateContext();
        Assert.Equal(PurgeStatus.Completed, (await check.PurgeRuns.AsNoTracking().SingleAsync()).Status);
        Assert.Equal(0, await check.ScanRuns.CountAsync(r => r.GuildId == GuildId));
    }

    [Fact]
    public async Task A_running_scan_whose_process_died_does_not_hold_up_the_purge()
    {
        long scanId;
        await using (var context = Db.CreateContext())
        {
            // Running, but no job holds its lease: the process that ran it was killed.
            var dead = TestData.ScanRun(GuildId, ChannelA, ScanStatus.Running, null);
            context.ScanRuns.Add(dead);
            await context.SaveChangesAsync();
            scanId = dead.Id;
        }

        var run = await RequestDueAsync(PurgeScope.Channel, ChannelA);
        var scanEnded = false;
        await RunJobAsync(run, afterStep: async step =>
        {
            if (step == "stopping_scans")
            {
                await using var context = Db.CreateContext();
                scanEnded = await context.ScanRuns.AnyAsync(r => r.Id == scanId && r.Status == ScanStatus.Cancelled && r.Error == "Stopped by a purge.");
            }
        });

        Assert.True(scanEnded, "the dead scan should have been ended by the purge");
        await using var check = Db.CreateContext();
        var stored = await check.PurgeRuns.AsNoTracking().SingleAsync();
        Assert.Equal(PurgeStatus.Completed, stored.Status);
        // Waiting for a scan nobody runs would take the whole minute of ScanStopTimeout; the step's own time is measured,
        // not the purge's, so a slow machine's deletes do not count.
        var stopping = TimeSpan.FromMilliseconds(PurgeReport.Parse(stored.ReportJson).TimingsMs["stopping_scans"]);
        Assert.True(stopping < Options.ScanStopTimeout / 6, $"the purge waited {stopping} for a scan that nobody runs");
    }

    private Clip NewClip(long channelId) => TestData.Clip(GuildId, channelId, Owner, "late.mp4", 1, Clock.GetUtcNow(), archivedAt: Clock.GetUtcNow());

    private sealed class SimulatedCrashException : Exception;
}

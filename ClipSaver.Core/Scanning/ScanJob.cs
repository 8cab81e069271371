namespace ClipSaver.Core.Scanning;

/// <summary>
/// Reads a channel's messages and archives its clips. Each page of messages is saved (authors, clip rows with their
/// counters through <see cref="ClipArchive"/>, cursor) in one transaction behind the purge fence (<see cref="ClipArchive.TryEnterForWriteAsync(ClipSaverDbContext, long, long, CancellationToken)"/>);
/// files are downloaded after it and attached to their rows. A killed scan resumes from the cursor and downloads the files still missing, so no clip
/// is lost and none is stored twice. The first phase reads history backwards (backfill); the second reads what is
/// new since the newest message seen.
/// </summary>
public sealed partial class ScanJob(
    ClipSaverDbContext db,
    ClipSaverConnection connection,
    ClipIntake intake,
    DiscordRestClient discord,
    ClipDownloads downloads,
    GuildSettingsStore guildSettings,
    GuildSync sync,
    IOptionsMonitor<ScanOptions> options,
    TimeProvider clock,
    ILogger<ScanJob> logger)
{
    public const string MissingIntentMessage =
        "ClipSaver cannot see message attachments: the bot's Message Content intent is off. Switch it on in the Discord developer portal (Bot → Privileged Gateway Intents), then scan again.";

    private sealed class StopScan(ScanStatus status, string? why) : Exception(why)
    {
        public ScanStatus Status { get; } = status;
    }

    /// <summary>This job's lease on the run (<see cref="RunLeases"/>), checked with every page.</summary>
    private AdvisoryLock? _lease;

    /// <summary>For a thread, the channel it belongs to: its pages enter that channel's purge scope too.</summary>
    private long? _parentId;

    [Queue(JobQueues.Scan)]
    [AutomaticRetry(Attempts = 5, DelaysInSeconds = [10, 30, 60, 300, 900], OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    [JobDisplayName("Scan run {0}")]
    public async Task RunAsync(long scanRunId, CancellationToken cancellationToken)
    {
        // One live job per run: a second copy (a retry, a re-fetched job, the recovery dispatcher's) leaves here.
        await using var lease = await AdvisoryLock.TryAcquireAsync(connection.ConnectionString, RunLeases.Scan(scanRunId), cancellationToken);
        if (lease is null || !await ClaimAsync(scanRunId, cancellationToken))
        {
            return;
        }

        _lease = lease;

        var run = await db.ScanRuns.AsNoTracking().FirstAsync(r => r.Id == scanRunId, cancellationToken);
        try
        {
            var channel = await db.Channels.AsNoTracking().FirstOrDefaultAsync(c => c.Id == run.ChannelId, cancellationToken);
            var guild = await db.Guilds.AsNoTracking().FirstOrDefaultAsync(g => g.Id == run.GuildId, cancellationToken);
            if (channel is null || guild is null || channel.DeletedAt is not null || guild.DeletedAt is not null)
            {
                throw new StopScan(ScanStatus.Cancelled, "The channel or server is gone.");
            }

            _parentId = channel.IsThread ? channel.ParentId : null;

            // A retry that arrives after archiving was switched off (or after a purge) reads nothing.
            if (!channel.IsReading && !(channel.IsThread && await db.Channels.AnyAsync(p => p.Id == channel.ParentId && p.IsReading, cancellationToken)))
            {
                throw new StopScan(ScanStatus.Cancelled, "Archiving is switched off for this channel.");
            }

            var app = await discord.GetCurrentApplicationAsync(cancellationToken);
            if ((app.Flags & (DiscordApplicationFeatures.GatewayMessageContent | DiscordApplicationFeatures.GatewayMessageContentLimited)) == 0)
            {
                throw new StopScan(ScanStatus.Failed, MissingIntentMessage);
            }

            // A forum or media channel has no messages of its own: its posts are threads, each scanned on its own.
            if (!DiscordChannelTypes.HasPostsOnly(channel.Type))
            {
                var settings = await guildSettings.GetAsync(run.GuildId, cancellationToken);
                await DownloadPendingAsync(run, settings, cancellationToken);
                if (!channel.BackfillComplete)
                {
                    await BackfillAsync(run, channel, settings, cancellationToken);
                }

                await ReadNewAsync(run, settings, cancellationToken);
            }

            var now = clock.GetUtcNow();
            await db.ScanRuns.Where(r => r.Id == run.Id && r.Status == ScanStatus.Running).ExecuteUpdateAsync(
                s => s.SetProperty(r => r.Status, ScanStatus.Completed).SetProperty(r => r.FinishedAt, now), CancellationToken.None);
            await db.Channels.Where(c => c.Id == run.ChannelId).ExecuteUpdateAsync(s => s.SetProperty(c => c.LastScanAt, now), CancellationToken.None);
        }
        catch (StopScan stop)
        {
            await EndAsync(run.Id, stop.Status, stop.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The server is shutting down: Hangfire puts the job back in its queue, and the run waits for it (the
            // next instance resumes from the cursor).
            await db.ScanRuns.Where(r => r.Id == run.Id && r.Status == ScanStatus.Running).ExecuteUpdateAsync(
                s => s.SetProperty(r => r.Status, ScanStatus.Queued).SetProperty(r => r.Error, "Interrupted by a shutdown; it resumes where it stopped."), CancellationToken.None);
        }
        catch (DiscordApiException e) when (e.IsAccessLost)
        {
            await EndAsync(run.Id, ScanStatus.Failed, $"Discord refused access ({(int)e.Status}); the server is being checked.");
            await sync.CheckGuildAsync(run.GuildId, CancellationToken.None);
        }
        catch (Exception e)
        {
            // Hangfire retries; the retry resumes from the saved cursor. The owner reads a sentence, the log has the details.
            await EndAsync(run.Id, ScanStatus.Failed, e is DiscordApiException d
                ? $"Discord refused to give this channel's messages (code {d.Code?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? ((int)d.Status).ToString(System.Globalization.CultureInfo.InvariantCulture)}). The scan is tried again automatically."
                : e.Message);
            LogFailed(logger, e, run.Id);
            throw;
        }
    }

    /// <summary>
    /// queued (or failed, on Hangfire's retry) → running; also running, when the job that ran it died (the caller holds
    /// the run's lease, so no live job works on it). The run records this job as its own. The unique index on running
    /// scans per channel refuses a second running scan of a channel.
    /// </summary>
    private async Task<bool> ClaimAsync(long runId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var jobId = CurrentJob.Id;
        try
        {
            var claimed = await db.ScanRuns
                .Where(r => r.Id == runId && r.StopRequestedAt == null
                    && (r.Status == ScanStatus.Queued || r.Status == ScanStatus.Failed || r.Status == ScanStatus.Running))
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, ScanStatus.Running)
                    .SetProperty(r => r.StartedAt, r => r.StartedAt ?? now)
                    .SetProperty(r => r.HeartbeatAt, now)
                    .SetProperty(r => r.HangfireJobId, r => jobId ?? r.HangfireJobId)
                    .SetProperty(r => r.FinishedAt, (DateTimeOffset?)null)
                    .SetProperty(r => r.Error, (string?)null), cancellationToken);
            if (claimed == 0)
            {
                // Asked to stop while nobody ran it (its process died): it ends now.
                await EndAsync(runId, ScanStatus.Cancelled, "Stopped on request.");
            }

            return claimed == 1;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            await EndAsync(runId, ScanStatus.Cancelled, "Another scan of this channel is running.");
            return false;
        }
    }

    private async Task BackfillAsync(ScanRun run, Channel channel, GuildSettings settings, CancellationToken cancellationToken)
    {
        var before = channel.BackfillBeforeId is { } b ? Snowflake.FromInt64(b) : (Snowflake?)null;
        var since = settings.BackfillSince is { } d ? new DateTimeOffset(d.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : (DateTimeOffset?)null;
        while (true)
        {
            await CheckStopAsync(run.Id, cancellationToken);
            var page = await discord.GetMessagesAsync(Snowflake.FromInt64(run.ChannelId), before, null, options.CurrentValue.PageSize, cancellationToken);
            var kept = since is null ? page : [.. page.Where(m => m.Timestamp >= since)];
            var done = page.Count < options.CurrentValue.PageSize || kept.Count < page.Count;
            var oldest = page.Count > 0 ? page.Min(m => m.Id) : (Snowflake?)null;
            var newest = page.Count > 0 ? page.Max(m => m.Id) : (Snowflake?)null;
            var found = await SavePageAsync(run, kept, settings, backfillBefore: oldest, backfillComplete: done, newest: newest, cancellationToken);
            await DownloadAsync(run, found, settings, cancellationToken);
            if (done)
            {
                return;
            }

            before = oldest;
        }
    }

    private async Task ReadNewAsync(ScanRun run, GuildSettings settings, CancellationToken cancellationToken)
    {
        var newest = await db.Channels.Where(c => c.Id == run.ChannelId).Select(c => c.NewestScannedMessageId).FirstAsync(cancellationToken);
        var after = newest is { } n ? Snowflake.FromInt64(n) : Snowflake.Zero;
        await foreach (var page in discord.GetMessagePagesAfterAsync(Snowflake.FromInt64(run.ChannelId), after, options.CurrentValue.PageSize, cancellationToken))
        {
            await CheckStopAsync(run.Id, cancellationToken);
            var found = await SavePageAsync(run, page, settings, backfillBefore: null, backfillComplete: null, newest: page.Count > 0 ? page.Max(m => m.Id) : null, cancellationToken);
            await DownloadAsync(run, found, settings, cancellationToken);
        }
    }

    /// <summary>One page in one transaction: authors, members, clip rows, cursor and counters. Returns the clips that need a file.</summary>
    private async Task<IReadOnlyList<(long ClipId, FoundClip Clip)>> SavePageAsync(
        ScanRun run, IReadOnlyList<DiscordMessage> page, GuildSettings settings, Snowflake? backfillBefore, bool? backfillComplete, Snowflake? newest, CancellationToken cancellationToken)
    {
        if (ClipDetector.LooksBlind(page))
        {
            throw new StopScan(ScanStatus.Failed, MissingIntentMessage);
        }

        var now = clock.GetUtcNow();
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
        if (!await ClipArchive.TryEnterForWriteAsync(db, run.GuildId, run.ChannelId, _parentId, cancellationToken))
        {
            throw new StopScan(ScanStatus.Cancelled, "Stopped by a purge.");
        }

        if (await db.ScanRuns.AnyAsync(r => r.Id == run.Id && (r.StopRequestedAt != null || r.Status != ScanStatus.Running), cancellationToken))
        {
            throw new StopScan(ScanStatus.Cancelled, "Stopped on request.");
        }

        var added = await intake.AddAsync(run.GuildId, run.ChannelId, page, settings, now, cancellationToken);
        var clips = added.ClipsAdded;
        var optedOut = added.OptedOut;
        var toDownload = added.ToDownload;

        await db.Channels.Where(c => c.Id == run.ChannelId).ExecuteUpdateAsync(s => s
            .SetProperty(c => c.NewestScannedMessageId, c => newest == null ? c.NewestScannedMessageId
                : c.NewestScannedMessageId == null || c.NewestScannedMessageId < newest.Value.ToInt64() ? newest.Value.ToInt64() : c.NewestScannedMessageId)
            .SetProperty(c => c.BackfillBeforeId, c => backfillBefore == null ? c.BackfillBeforeId : backfillBefore.Value.ToInt64())
            .SetProperty(c => c.BackfillComplete, c => backfillComplete ?? c.BackfillComplete), cancellationToken);
        await db.ScanRuns.Where(r => r.Id == run.Id).ExecuteUpdateAsync(s => s
            .SetProperty(r => r.MessagesRead, r => r.MessagesRead + page.Count)
            .SetProperty(r => r.ClipsFound, r => r.ClipsFound + clips)
            .SetProperty(r => r.ClipsSkippedOptedOut, r => r.ClipsSkippedOptedOut + optedOut)
            .SetProperty(r => r.HeartbeatAt, now), cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return toDownload;
    }

    /// <summary>Files of clips saved by an earlier, interrupted run: fetched again through their message (fresh URL).</summary>
    private async Task DownloadPendingAsync(ScanRun run, GuildSettings settings, CancellationToken cancellationToken)
    {
        var pending = await db.Clips.AsNoTracking()
            .Where(c => c.ChannelId == run.ChannelId && c.Source == ClipSource.Attachment && c.StorageKey == null && c.SkipReason == null)
            .Select(c => new { c.Id, c.MessageId, c.AttachmentId }).ToListAsync(cancellationToken);
        foreach (var p in pending)
        {
            await CheckStopAsync(run.Id, cancellationToken);
            var message = await discord.TryGetMessageAsync(Snowflake.FromInt64(run.ChannelId), Snowflake.FromInt64(p.MessageId), cancellationToken);
            var attachment = message?.Attachments.FirstOrDefault(a => a.Id.ToInt64() == p.AttachmentId);
            if (message is null || attachment is null)
            {
                await db.Clips.Where(c => c.Id == p.Id).ExecuteUpdateAsync(s => s.SetProperty(c => c.SkipReason, "The message was deleted on Discord before its file was saved."), cancellationToken);
                continue;
            }

            await DownloadAsync(run, [(p.Id, new FoundClip(message, attachment, null))], settings, cancellationToken);
        }
    }

    /// <summary>Downloads and attaches files (<see cref="ClipDownloads"/>); a purge that took the scope meanwhile stops the scan.</summary>
    private async Task DownloadAsync(ScanRun run, IReadOnlyList<(long ClipId, FoundClip Clip)> clips, GuildSettings settings, CancellationToken cancellationToken)
    {
        if (!await downloads.DownloadAsync(run, _parentId, clips, settings, cancellationToken))
        {
            throw new StopScan(ScanStatus.Cancelled, "Stopped by a purge.");
        }
    }

    private async Task CheckStopAsync(long runId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_lease is not null)
        {
            await _lease.EnsureHeldAsync(cancellationToken);
        }

        if (await db.ScanRuns.AnyAsync(r => r.Id == runId && (r.StopRequestedAt != null || r.Status != ScanStatus.Running), cancellationToken))
        {
            throw new StopScan(ScanStatus.Cancelled, "Stopped on request.");
        }
    }

    private async Task EndAsync(long runId, ScanStatus status, string? why)
    {
        await db.ScanRuns.Where(r => r.Id == runId && r.Status == ScanStatus.Running).ExecuteUpdateAsync(
            s => s.SetProperty(r => r.Status, status).SetProperty(r => r.FinishedAt, clock.GetUtcNow()).SetProperty(r => r.Error, why), CancellationToken.None);
    }

    [LoggerMessage(LogLevel.Warning, "Scan run {RunId} failed; Hangfire will retry it.")]
    private static partial void LogFailed(ILogger logger, Exception e, long runId);
}

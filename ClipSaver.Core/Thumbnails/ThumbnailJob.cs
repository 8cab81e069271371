namespace ClipSaver.Core.Thumbnails;

/// <summary>What one run of <see cref="ThumbnailJob"/> did.</summary>
public sealed record ThumbnailRunReport(bool Skipped, int Made, int NoVideo, int Failed, int Errors)
{
    public static readonly ThumbnailRunReport None = new(true, 0, 0, 0, 0);

    /// <summary>ffmpeg is not available on this machine: the clips wait, without an attempt counted.</summary>
    public bool NoFFmpeg { get; init; }
}

/// <summary>How many thumbnail runs work on this instance at once (<see cref="ThumbnailOptions.Parallel"/>): each runs one ffmpeg at a time.</summary>
public sealed class ThumbnailSlots(IOptions<ThumbnailOptions> options) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(options.Value.Parallel, options.Value.Parallel);

    /// <summary>A slot, or null when all are taken (the runs holding them also work through the queue).</summary>
    public IDisposable? TryEnter() => _slots.Wait(0) ? new Slot(_slots) : null;

    public void Dispose() => _slots.Dispose();

    private sealed class Slot(SemaphoreSlim slots) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                slots.Release();
            }
        }
    }
}

/// <summary>
/// Gives every stored clip a poster image and its real length and picture size, once, after its file is stored
/// (docs/decisions/020-thumbnails.md). A recurring job, every minute: it claims one clip at a time whose file waits for
/// a thumbnail (newest first, so new clips come before a backfill of old ones), with an atomic update that two runs
/// on two instances can never both win, makes the picture with ffmpeg outside any transaction, stores it beside the
/// clip's file, and records the result behind the purge fence. A run that dies leaves a claim that runs out after
/// <see cref="ThumbnailOptions.ClaimFor"/>; the next claim overwrites the same key, so a retry leaves nothing half done.
/// </summary>
public sealed partial class ThumbnailJob(
    ClipSaverDbContext db,
    IClipStorage storage,
    ThumbnailMaker maker,
    ThumbnailSlots slots,
    FFmpegTools tools,
    IOptionsMonitor<ThumbnailOptions> options,
    TimeProvider clock,
    ILogger<ThumbnailJob> logger)
{
    public const string RecurringJobId = "thumbnails";

    /// <summary>A poster of 320 × 180 is some kilobytes; anything near this is not one.</summary>
    private const long MaxThumbnailBytes = 4 << 20;

    private sealed record Claim(long Id, long GuildId, long ChannelId, string StorageKey, int ThumbnailAttempts);

    [Queue(JobQueues.Thumbnails)]
    [AutomaticRetry(Attempts = 0)]
    [JobDisplayName("Thumbnails")]
    public async Task<ThumbnailRunReport> RunAsync(CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        if (!settings.Enabled)
        {
            return ThumbnailRunReport.None;
        }

        using var slot = slots.TryEnter();
        if (slot is null)
        {
            return ThumbnailRunReport.None;
        }

        ThumbnailLeftovers.Delete(settings, clock.GetUtcNow());
        if (!tools.IsAvailable())
        {
            // Not the clips' fault: none is claimed, so none loses an attempt; they are made once ffmpeg is there.
            return ThumbnailRunReport.None with { NoFFmpeg = true };
        }

        int made = 0, noVideo = 0, failed = 0, errors = 0;
        var running = Stopwatch.StartNew();
        while (running.Elapsed < settings.RunFor && await ClaimAsync(cancellationToken) is { } claim)
        {
            try
            {
                switch (await ProcessAsync(claim, cancellationToken))
                {
                    case ThumbnailState.Made:
                        made++;
                        break;
                    case ThumbnailState.NoVideo:
                        noVideo++;
                        break;
                    case ThumbnailState.Failed:
                        failed++;
                        break;
                }
            }
            catch (FFmpegUnavailableException e)
            {
                tools.CouldNotStart(e);
                await GiveBackAsync(claim, cancellationToken);
                return new ThumbnailRunReport(false, made, noVideo, failed, errors) { NoFFmpeg = true };
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // The claim stays until it runs out: the clip is tried again then, up to MaxAttempts claims in all.
                errors++;
                LogError(logger, e, claim.Id, claim.ThumbnailAttempts);
            }
        }

        if (made + noVideo + failed + errors > 0)
        {
            LogDone(logger, made, noVideo, failed, errors);
        }

        return new ThumbnailRunReport(false, made, noVideo, failed, errors);
    }

    /// <summary>
    /// Claims the newest clip whose stored file has no thumbnail state and no live claim, counting the attempt. One
    /// statement: the row is locked while it is picked (others skip it), and the claim is written in the same step.
    /// </summary>
    private async Task<Claim?> ClaimAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var until = now + options.CurrentValue.ClaimFor;
        var claimed = await db.Database.SqlQuery<Claim>(
            $"""
            UPDATE clips c SET thumbnail_claimed_until = {until}, thumbnail_attempts = c.thumbnail_attempts + 1
            FROM (
                SELECT id FROM clips
                WHERE storage_key IS NOT NULL AND thumbnail_state IS NULL AND (thumbnail_claimed_until IS NULL OR thumbnail_claimed_until < {now})
                ORDER BY id DESC LIMIT 1 FOR UPDATE SKIP LOCKED) x
            WHERE c.id = x.id
            RETURNING c.id, c.guild_id, c.channel_id, c.storage_key, c.thumbnail_attempts
            """).ToListAsync(cancellationToken);
        return claimed.Count == 1 ? claimed[0] : null;
    }

    /// <summary>Gives a claim back as if it had not been made: ffmpeg could not even start, which says nothing about the clip.</summary>
    private async Task GiveBackAsync(Claim claim, CancellationToken cancellationToken) =>
        await db.Clips.Where(c => c.Id == claim.Id && c.ThumbnailState == null).ExecuteUpdateAsync(s => s
            .SetProperty(c => c.ThumbnailAttempts, c => c.ThumbnailAttempts > 0 ? c.ThumbnailAttempts - 1 : 0)
            .SetProperty(c => c.ThumbnailClaimedUntil, (DateTimeOffset?)null), cancellationToken);

    /// <summary>Makes and records the clip's thumbnail; the state recorded, or null when the clip went (or changed) meanwhile.</summary>
    private async Task<ThumbnailState?> ProcessAsync(Claim claim, CancellationToken cancellationToken)
    {
        if (claim.ThumbnailAttempts > options.CurrentValue.MaxAttempts)
        {
            return await RecordAsync(claim, ThumbnailState.Failed, null, cancellationToken);
        }

        var outcome = await MakeAsync(claim.StorageKey, cancellationToken);
        switch (outcome)
        {
            case ThumbnailOutcome.Made m:
                return await RecordAsync(claim, ThumbnailState.Made, m, cancellationToken);
            case ThumbnailOutcome.NoVideo n:
                LogNoVideo(logger, claim.Id, n.Why);
                return await RecordAsync(claim, ThumbnailState.NoVideo, null, cancellationToken);
            case ThumbnailOutcome.Failed f:
                LogNoVideo(logger, claim.Id, f.Why);
                return await RecordAsync(claim, ThumbnailState.Failed, null, cancellationToken);
            default:
                throw new InvalidOperationException("Unknown thumbnail outcome.");
        }
    }

    /// <summary>
    /// Runs ffmpeg on the stored file: in place when the storage is a local folder, else on a temporary copy in the job's
    /// own folder (an object store's file is downloaded once; ffprobe and ffmpeg need to seek; a killed run's copy is
    /// deleted by a later run, <see cref="ThumbnailLeftovers"/>).
    /// </summary>
    private async Task<ThumbnailOutcome> MakeAsync(string key, CancellationToken cancellationToken)
    {
        await using var stored = await storage.OpenReadAsync(key, cancellationToken)
            ?? throw new FileNotFoundException($"The clip's file {key} is missing from storage.");
        if (stored is FileStream local)
        {
            return await maker.MakeAsync(local.Name, cancellationToken);
        }

        var copy = Path.Combine(options.CurrentValue.WorkFolder(), $"{ThumbnailMaker.CopyPrefix}{Guid.NewGuid():N}{Path.GetExtension(key)}");
        try
        {
            await using (var file = new FileStream(copy, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous))
            {
                await stored.CopyToAsync(file, cancellationToken);
            }

            return await maker.MakeAsync(copy, cancellationToken);
        }
        finally
        {
            File.Delete(copy);
        }
    }

    /// <summary>
    /// Stores the picture and records the state in one transaction behind the purge fence, with the clip's row locked:
    /// a purge of the scope waits for it (and then deletes the picture with the rest), a member's deletion of the clip
    /// either comes first (nothing is stored) or deletes the stored picture after it. A crash between the put and the
    /// commit leaves a picture at the clip's thumbnail key and no state: the next claim overwrites it.
    /// </summary>
    private async Task<ThumbnailState?> RecordAsync(Claim claim, ThumbnailState state, ThumbnailOutcome.Made? made, CancellationToken cancellationToken)
    {
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
        if (!(await ClipArchive.EnterForWriteAsync(db, claim.GuildId, [claim.ChannelId], cancellationToken)).Contains(claim.ChannelId))
        {
            // A purge of the scope is running: it deletes the clip; nothing to store.
            return null;
        }

        var key = claim.StorageKey;
        var current = await db.Database.SqlQuery<long>(
            $"""SELECT id AS "Value" FROM clips WHERE id = {claim.Id} AND storage_key = {key} AND thumbnail_state IS NULL FOR UPDATE""")
            .ToListAsync(cancellationToken);
        if (current.Count == 0)
        {
            return null;
        }

        if (made is not null)
        {
            await storage.PutAsync(ClipStorageKeys.ThumbnailOf(key), new MemoryStream(made.Jpeg), MaxThumbnailBytes, cancellationToken);
        }

        var row = db.Clips.Where(c => c.Id == claim.Id);
        if (made is null)
        {
            await row.ExecuteUpdateAsync(s => s.SetProperty(c => c.ThumbnailState, state).SetProperty(c => c.ThumbnailClaimedUntil, (DateTimeOffset?)null), cancellationToken);
        }
        else
        {
            var facts = made.Facts;
            await row.ExecuteUpdateAsync(s => s
                .SetProperty(c => c.ThumbnailState, state)
                .SetProperty(c => c.ThumbnailClaimedUntil, (DateTimeOffset?)null)
                .SetProperty(c => c.DurationSecs, facts.DurationSecs)
                .SetProperty(c => c.Width, facts.Width)
                .SetProperty(c => c.Height, facts.Height), cancellationToken);
        }

        await tx.CommitAsync(cancellationToken);
        return state;
    }

    [LoggerMessage(LogLevel.Information, "Thumbnails: {Made} made, {NoVideo} without a video stream, {Failed} failed, {Errors} to try again.")]
    private static partial void LogDone(ILogger logger, int made, int noVideo, int failed, int errors);

    [LoggerMessage(LogLevel.Information, "Thumbnails: clip {ClipId} gets the placeholder: {Why}")]
    private static partial void LogNoVideo(ILogger logger, long clipId, string why);

    [LoggerMessage(LogLevel.Warning, "Thumbnails: clip {ClipId} failed on attempt {Attempt}; it is tried again when its claim runs out.")]
    private static partial void LogError(ILogger logger, Exception exception, long clipId, int attempt);
}

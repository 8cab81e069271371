using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using ClipSaver.Core.Data;
using ClipSaver.Core.Jobs;
using ClipSaver.Core.Scanning;
using ClipSaver.Core.Storage;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace ClipSaver.Core.Purging;

/// <summary>
/// Deletes a purge's scope. Every step is idempotent and counts are kept in the run's row in the same transaction as
/// the deletes they count, so a crash at any point followed by Hangfire's retry, or two copies of the job running at
/// once, end in the same state and the same report. Nothing outside the scope is touched: every statement is bounded
/// by the guild id, and by the channel id for a channel purge.
/// </summary>
public sealed partial class PurgeJob(
    ClipSaverDbContext db,
    ClipSaverConnection connection,
    IClipStorage storage,
    IBackgroundJobClient jobs,
    IOptionsMonitor<PurgeOptions> options,
    TimeProvider clock,
    ILogger<PurgeJob> logger)
{
    /// <summary>Called between steps; tests use it to simulate a crash at a given step.</summary>
    internal Func<string, Task>? AfterStep { get; set; }

    /// <summary>Called after each committed batch of clip deletes; tests use it to simulate a crash in the middle.</summary>
    internal Func<Task>? AfterClipBatch { get; set; }

    /// <summary>Which way the clip deletes walk; tests pin one, the job chooses by the scope's share of the table.</summary>
    internal ClipWalkOrder ClipWalk { get; set; } = ClipWalkOrder.Auto;

    /// <summary>The longest clip-batch transaction so far.</summary>
    private long _longestBatchMs;

    /// <summary>Whether this run's clip deletes walked the whole table (the checks after it then read in order too).</summary>
    private bool _walkedTable;

    /// <summary>
    /// The parts the clip deletes, file deletes and checks go through one at a time: the channel and each of its
    /// threads for a channel purge (<see cref="PurgeScopes"/>), the whole guild (null) otherwise.
    /// </summary>
    private long?[] _parts = [null];

    /// <summary>This job's lease on the run (<see cref="RunLeases"/>); checked with every batch.</summary>
    private AdvisoryLock? _lease;

    /// <summary>A job picked up this much before its start time waits instead of scheduling a new job.</summary>
    private static readonly TimeSpan EarlyStartTolerance = TimeSpan.FromSeconds(5);

    /// <summary>Leaves the guild on Discord (a guild purge's last step); null where no bot is configured.</summary>
    public Func<long, CancellationToken, Task>? LeaveGuild { get; set; }

    /// <summary>Kept for jobs scheduled before the job took its run id alone; the run's row has the rest.</summary>
    [Queue(JobQueues.Purge)]
    [AutomaticRetry(Attempts = 5, DelaysInSeconds = [10, 30, 60, 300, 900], OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    [JobDisplayName("Purge run {0}")]
    public Task RunAsync(long purgeRunId, long guildId, PurgeScope scope, long? channelId, CancellationToken cancellationToken) =>
        RunAsync(purgeRunId, cancellationToken);

    [Queue(JobQueues.Purge)]
    [AutomaticRetry(Attempts = 5, DelaysInSeconds = [10, 30, 60, 300, 900], OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    [JobDisplayName("Purge run {0}")]
    public async Task RunAsync(long purgeRunId, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var run = await db.PurgeRuns.AsNoTracking().FirstOrDefaultAsync(p => p.Id == purgeRunId, cancellationToken);
        if (run is null || run.Status is PurgeStatus.Completed or PurgeStatus.Cancelled)
        {
            LogNothingToDo(logger, purgeRunId, run?.Status);
            return;
        }

        var (guildId, scope, channelId) = (run.GuildId, run.Scope, run.ChannelId);
        var early = run.NotBefore - clock.GetUtcNow();
        if (early > EarlyStartTolerance)
        {
            // Started early (an operator pressed "trigger"): keep the undo window, and let the run name the new job.
            var next = jobs.Schedule<PurgeJob>(j => j.RunAsync(purgeRunId, CancellationToken.None), run.NotBefore);
            await db.PurgeRuns.Where(p => p.Id == purgeRunId && p.Status == PurgeStatus.Scheduled)
                .ExecuteUpdateAsync(s => s.SetProperty(p => p.HangfireJobId, next), cancellationToken);
            return;
        }

        if (early > TimeSpan.Zero)
        {
            // Hangfire's schedule keeps whole seconds, so a job can come a moment before its time: it waits for it.
            await Task.Delay(early, cancellationToken);
        }

        // One live job per run: a second copy (a retry, a re-fetched job, the recovery dispatcher's) leaves here.
        await using var lease = await AdvisoryLock.TryAcquireAsync(connection.ConnectionString, RunLeases.Purge(purgeRunId), cancellationToken);
        if (lease is null)
        {
            LogLeaseHeld(logger, purgeRunId);
            return;
        }

        _lease = lease;

        // Scheduled → running. A retry of a half-done run (running or failed) carries on from where it stopped.
        var now = clock.GetUtcNow();
        var jobId = CurrentJob.Id;
        await db.PurgeRuns.Where(p => p.Id == purgeRunId && p.Status != PurgeStatus.Completed && p.Status != PurgeStatus.Cancelled)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.Status, PurgeStatus.Running)
                .SetProperty(p => p.StartedAt, p => p.StartedAt ?? now)
                .SetProperty(p => p.HeartbeatAt, now)
                .SetProperty(p => p.HangfireJobId, p => jobId ?? p.HangfireJobId)
                .SetProperty(p => p.Error, (string?)null), cancellationToken);
        if (await db.PurgeRuns.Where(p => p.Id == purgeRunId).Select(p => p.Status).FirstAsync(cancellationToken) != PurgeStatus.Running)
        {
            return; // cancelled at the last moment
        }

        if (scope == PurgeScope.Channel)
        {
            _parts = [.. (await PurgeScopes.ChannelIdsAsync(db, guildId, channelId!.Value, cancellationToken)).Select(id => (long?)id)];
        }

        var total = Stopwatch.StartNew();
        try
        {
            await TimeStepAsync(purgeRunId, "stopping_scans", () => StopScansAsync(guildId, channelId, scope, settings, cancellationToken), cancellationToken);
            await TimeStepAsync(purgeRunId, "deleting_rows", () => DeleteRowsAsync(purgeRunId, guildId, scope, channelId, settings.BatchSize, cancellationToken), cancellationToken);
            await TimeStepAsync(purgeRunId, "deleting_files", () => DeleteFilesAsync(purgeRunId, guildId, cancellationToken), cancellationToken);
            if (scope == PurgeScope.Guild)
            {
                await TimeStepAsync(purgeRunId, "removing_guild", () => RemoveGuildAsync(purgeRunId, guildId, settings.BatchSize, cancellationToken), cancellationToken);
            }

            await TimeStepAsync(purgeRunId, "verifying", () => VerifyAsync(purgeRunId, guildId, scope, cancellationToken), cancellationToken);
            await CompleteAsync(purgeRunId, guildId, scope, channelId, total.Elapsed, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await db.PurgeRuns.Where(p => p.Id == purgeRunId).ExecuteUpdateAsync(
                s => s.SetProperty(p => p.Status, PurgeStatus.Failed).SetProperty(p => p.Error, e.Message).SetProperty(p => p.FinishedAt, clock.GetUtcNow()),
                CancellationToken.None);
            LogFailed(logger, e, purgeRunId);
            throw;
        }
    }

    private async Task TimeStepAsync(long runId, string step, Func<Task> work, CancellationToken cancellationToken)
    {
        await db.PurgeRuns.Where(p => p.Id == runId).ExecuteUpdateAsync(
            s => s.SetProperty(p => p.Step, step).SetProperty(p => p.HeartbeatAt, clock.GetUtcNow()), cancellationToken);
        var watch = Stopwatch.StartNew();
        await work();
        await AddAsync(runId, ["timings_ms", step], (long)watch.Elapsed.TotalMilliseconds, cancellationToken);
        LogStep(logger, runId, step, watch.Elapsed.TotalMilliseconds);
        if (AfterStep is not null)
        {
            await AfterStep(step);
        }
    }

    /// <summary>Asks running scans of the scope to stop, cancels queued ones, fences out writers, waits (bounded).</summary>
    private async Task StopScansAsync(long guildId, long? channelId, PurgeScope scope, PurgeOptions settings, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var channels = _parts.OfType<long>().ToArray();
        var inScope = db.ScanRuns.Where(r => r.GuildId == guildId && (scope != PurgeScope.Channel || channels.Contains(r.ChannelId)));
        // Queued scans, and failed ones that Hangfire would retry, end here: neither may start after the purge.
        var queuedJobs = await inScope.Where(r => (r.Status == ScanStatus.Queued || r.Status == ScanStatus.Failed) && r.HangfireJobId != null).Select(r => r.HangfireJobId!).ToListAsync(cancellationToken);
        await inScope.Where(r => r.Status == ScanStatus.Queued || r.Status == ScanStatus.Failed).ExecuteUpdateAsync(
            s => s.SetProperty(r => r.Status, ScanStatus.Cancelled).SetProperty(r => r.FinishedAt, now).SetProperty(r => r.Error, "Stopped by a purge."), cancellationToken);
        foreach (var id in queuedJobs)
        {
            jobs.Delete(id);
        }

        await inScope.Where(r => r.Status == ScanStatus.Running && r.StopRequestedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.StopRequestedAt, now), cancellationToken);

        // From here no scan transaction can write into the scope (ScopeLocks).
        await ScopeLocks.DrainWritersAsync(connection.ConnectionString, guildId, scope == PurgeScope.Channel ? channelId : null, cancellationToken);

        // Waiting is measured in real time: the job's clock is for the records it writes.
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (await inScope.AnyAsync(r => r.Status == ScanStatus.Running, cancellationToken))
        {
            // A scan whose process died holds no lease and will never stop by itself: it ends here.
            if (await Scans.EndAbandonedAsync(db, connection.ConnectionString, inScope, "Stopped by a purge.", clock.GetUtcNow(), cancellationToken) > 0)
            {
                continue;
            }

            if (waited.Elapsed >= settings.ScanStopTimeout)
            {
                throw new InvalidOperationException(
                    $"Scans of this scope did not stop within {settings.ScanStopTimeout.TotalSeconds:0} seconds; the purge will be retried.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
        }
    }

    private async Task DeleteRowsAsync(long runId, long guildId, PurgeScope scope, long? channelId, int batchSize, CancellationToken cancellationToken)
    {
        var channels = _parts.OfType<long>().ToArray();
        foreach (var part in _parts)
        {
            await DeleteClipsAsync(runId, guildId, part, batchSize, cancellationToken);
        }

        await MaxAsync(runId, ["longest_transaction_ms"], _longestBatchMs, cancellationToken);
        foreach (var part in _parts)
        {
            await DeleteScanRunsAsync(runId, guildId, part, batchSize, cancellationToken);
        }

        var days = await db.ClipDays.Where(d => d.GuildId == guildId && (scope != PurgeScope.Channel || channels.Contains(d.ChannelId))).ExecuteDeleteAsync(cancellationToken);
        if (days > 0)
        {
            await AddAsync(runId, ["rows_deleted", "clip_days"], days, cancellationToken);
        }

        // Counters, cursors and archiving switches of the scope: a purged channel does not start filling up again
        // by itself (docs/decisions/006-purge-fence.md).
        await db.Channels.Where(c => c.GuildId == guildId && (scope != PurgeScope.Channel || channels.Contains(c.Id)))
            .ExecuteUpdateAsync(s => s
                .SetProperty(c => c.ClipCount, 0)
                .SetProperty(c => c.ClipBytes, 0)
                .SetProperty(c => c.IsReading, false)
                .SetProperty(c => c.NewestScannedMessageId, (long?)null)
                .SetProperty(c => c.BackfillBeforeId, (long?)null)
                .SetProperty(c => c.BackfillComplete, false), cancellationToken);
    }

    /// <summary>Finished scan runs of one channel (or the whole guild), in batches.</summary>
    private async Task DeleteScanRunsAsync(long runId, long guildId, long? channelId, int batchSize, CancellationToken cancellationToken)
    {
        var channelFilter = channelId is null ? "" : "AND channel_id = @channel";
        while (true)
        {
            var deleted = await DeleteBatchAsync(runId, "scan_runs",
                $"""
                WITH doomed AS (
                    SELECT id FROM scan_runs WHERE guild_id = @guild {channelFilter} AND status NOT IN ('queued', 'running') ORDER BY id LIMIT @batch FOR UPDATE SKIP LOCKED),
                gone AS (DELETE FROM scan_runs s USING doomed d WHERE s.id = d.id RETURNING 0)
                SELECT count(*) FROM gone
                """,
                guildId, channelId, batchSize, cancellationToken);
            if (deleted == 0)
            {
                break;
            }
        }

    }

    /// <summary>
    /// Deletes the scope's clips in batches, each its own short transaction. When the scope is a large part of the
    /// table (as when one guild's archive is most of the installation), the batches walk the table in physical order,
    /// a range of pages at a time: the same sequential reading a single plain DELETE does, several times faster than
    /// fetching rows one by one along an index. Otherwise they walk the scope's index, newest first, which is also the
    /// last pass that catches anything the table walk missed. No row locks before the delete (they would write every
    /// row twice): a second copy of this job that reaches the same rows waits for the first, finds them gone, and
    /// counts only what it deleted itself.
    /// </summary>
    private async Task DeleteClipsAsync(long runId, long guildId, long? channelId, int batchSize, CancellationToken cancellationToken)
    {
        var shape = await ClipTableShapeAsync(guildId, channelId, cancellationToken);
        _walkedTable = ClipWalk == ClipWalkOrder.Table || (ClipWalk == ClipWalkOrder.Auto && shape.ScopeIsLargePart);
        if (_walkedTable)
        {
            var pagesPerBatch = shape.PagesPerBatch(batchSize);
            var missed = 0L;
            for (long page = 0; page < shape.Pages; page += pagesPerBatch)
            {
                missed += await DeleteClipPagesAsync(runId, guildId, channelId, page, page + pagesPerBatch, pagesPerBatch, cancellationToken);
            }

            // The last range has not been read again yet, and the table may have grown while the walk ran.
            missed += await CountClipsFromPageAsync(guildId, channelId, Math.Max(0, shape.Pages - pagesPerBatch), cancellationToken);
            LogTableWalk(logger, runId, shape.Pages, pagesPerBatch, missed);
            if (missed == 0)
            {
                // Every range was read again after its delete and held none of the scope: the verification step
                // counts the whole scope once more.
                return;
            }
        }

        var cursor = (PostedAt: DateTimeOffset.MaxValue, Id: long.MaxValue);
        while (true)
        {
            if (await DeleteClipsAlongIndexAsync(runId, guildId, channelId, cursor, batchSize, cancellationToken) is { } next)
            {
                cursor = next;
                continue;
            }

            if (!await db.Clips.AnyAsync(c => c.GuildId == guildId && (channelId == null || c.ChannelId == channelId), cancellationToken))
            {
                break;
            }

            cursor = (DateTimeOffset.MaxValue, long.MaxValue);
        }
    }

    /// <summary>How the scope's clips sit in the table, from the channel counters and the planner's statistics.</summary>
    private sealed record ClipTableShape(long Pages, double RowsPerPage, long TableRows, long ScopeRows)
    {
        /// <summary>At least a tenth of the table: reading it all in order costs less than fetching the scope by index.</summary>
        public bool ScopeIsLargePart => ScopeRows * 10 >= TableRows;

        public long PagesPerBatch(int batchSize) => Math.Max(1, (long)(batchSize / Math.Max(1, RowsPerPage)));
    }

    private sealed record ClipTableStats(long Pages, long StatsPages, double StatsRows);

    private async Task<ClipTableShape> ClipTableShapeAsync(long guildId, long? channelId, CancellationToken cancellationToken)
    {
        var scopeRows = await db.Channels.Where(c => c.GuildId == guildId && (channelId == null || c.Id == channelId)).SumAsync(c => (long?)c.ClipCount, cancellationToken) ?? 0;
        var table = await db.Database.SqlQuery<ClipTableStats>(
            $"""
            SELECT pg_relation_size(c.oid) / current_setting('block_size')::bigint AS pages, c.relpages::bigint AS stats_pages, c.reltuples::float8 AS stats_rows
            FROM pg_class c WHERE c.oid = 'clips'::regclass
            """).SingleAsync(cancellationToken);
        // Never analysed (reltuples -1) or empty: assume a typical row of a few hundred bytes, 30 to a page.
        var rowsPerPage = table.StatsPages > 0 && table.StatsRows > 0 ? table.StatsRows / table.StatsPages : 30;
        return new ClipTableShape(table.Pages, rowsPerPage, (long)(table.Pages * rowsPerPage), scopeRows);
    }

    /// <summary>
    /// Deletes the scope's clips on pages [from, to) in one transaction, and reads the previous range again while its
    /// pages are still in memory (this settles the deleted rows there, so that the checks after the walk read them
    /// cheaply). Returns how many of the scope's clips that read still found: rows the walk missed.
    /// </summary>
    private async Task<long> DeleteClipPagesAsync(long runId, long guildId, long? channelId, long from, long to, long pagesPerBatch, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var scopeFilter = $"guild_id = @guild {(channelId is null ? "" : "AND channel_id = @channel")}";
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch((NpgsqlConnection)db.Database.GetDbConnection(), (NpgsqlTransaction)tx.GetDbTransaction());
        // A plain DELETE: RETURNING, even of a constant, costs as much again as the delete itself here.
        batch.BatchCommands.Add(PageCommand($"DELETE FROM clips WHERE ctid >= @from AND ctid < @to AND {scopeFilter}", from, to));
        batch.BatchCommands.Add(PageCommand($"SELECT count(*) FROM clips WHERE ctid >= @from AND ctid < @to AND {scopeFilter}", Math.Max(0, from - pagesPerBatch), from));
        var missed = (long)(await batch.ExecuteScalarAsync(cancellationToken))!;
        await AddClipBatchAsync(runId, batch.BatchCommands[0].RecordsAffected, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        await BatchCommittedAsync(watch);
        return missed;

        NpgsqlBatchCommand PageCommand(string sql, long first, long end) => new(sql)
        {
            Parameters =
            {
                new("from", NpgsqlDbType.Tid) { Value = new NpgsqlTid(checked((uint)first), 0) },
                new("to", NpgsqlDbType.Tid) { Value = new NpgsqlTid(checked((uint)end), 0) },
                new("guild", guildId),
                new("channel", channelId ?? 0),
            },
        };
    }

    /// <summary>
    /// Deletes the next batch of the scope's clips along the index after the cursor (by physical row id, found along
    /// the index); returns the new cursor, or null when this copy deleted nothing after it.
    /// </summary>
    private async Task<(DateTimeOffset PostedAt, long Id)?> DeleteClipsAlongIndexAsync(
        long runId, long guildId, long? channelId, (DateTimeOffset PostedAt, long Id) after, int batchSize, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
        await using var cmd = db.Database.GetDbConnection().CreateCommand();
        cmd.Transaction = tx.GetDbTransaction();
        cmd.CommandText = $"""
            WITH gone AS (
                DELETE FROM clips WHERE ctid = ANY(ARRAY(
                    SELECT ctid FROM clips
                    WHERE guild_id = @guild {(channelId is null ? "" : "AND channel_id = @channel")} AND (posted_at, id) < (@after_posted, @after_id)
                    ORDER BY posted_at DESC, id DESC LIMIT @batch))
                RETURNING posted_at, id)
            SELECT count(*), (SELECT posted_at FROM gone ORDER BY posted_at, id LIMIT 1), (SELECT id FROM gone ORDER BY posted_at, id LIMIT 1)
            FROM gone
            """;
        AddParameter(cmd, "guild", guildId);
        AddParameter(cmd, "channel", channelId ?? 0);
        AddParameter(cmd, "batch", batchSize);
        AddParameter(cmd, "after_posted", after.PostedAt);
        AddParameter(cmd, "after_id", after.Id);
        long count;
        (DateTimeOffset, long)? next = null;
        await using (var reader = await cmd.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            count = reader.GetInt64(0);
            if (count > 0)
            {
                next = (reader.GetFieldValue<DateTimeOffset>(1), reader.GetInt64(2));
            }
        }

        await AddClipBatchAsync(runId, count, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        await BatchCommittedAsync(watch);
        return next;
    }

    /// <summary>
    /// Adds a batch's deleted clips to the report, with the longest batch transaction so far, and the run's heartbeat;
    /// first it checks that this job still holds the run's lease (a database restart ends the lease with its
    /// connection, and then another job may carry the run on).
    /// </summary>
    private async Task AddClipBatchAsync(long runId, long count, CancellationToken cancellationToken)
    {
        if (_lease is not null)
        {
            await _lease.EnsureHeldAsync(cancellationToken);
        }

        var now = clock.GetUtcNow();
        await db.Database.ExecuteSqlAsync(
            $$"""
            UPDATE purge_runs SET heartbeat_at = {{now}}, progress = coalesce(progress, '{}'::jsonb) || jsonb_build_object(
                'rows_deleted', coalesce(progress -> 'rows_deleted', '{}'::jsonb)
                    || jsonb_build_object('clips', coalesce((progress #>> '{rows_deleted,clips}')::bigint, 0) + {{count}}),
                'longest_transaction_ms', greatest(coalesce((progress ->> 'longest_transaction_ms')::bigint, 0), {{_longestBatchMs}}))
            WHERE id = {{runId}}
            """, cancellationToken);
    }

    /// <summary>The run's sign of life between batches that write no progress of their own.</summary>
    private async Task HeartbeatAsync(long runId, CancellationToken cancellationToken)
    {
        if (_lease is not null)
        {
            await _lease.EnsureHeldAsync(cancellationToken);
        }

        await db.PurgeRuns.Where(p => p.Id == runId).ExecuteUpdateAsync(s => s.SetProperty(p => p.HeartbeatAt, clock.GetUtcNow()), cancellationToken);
    }

    /// <summary>A transaction's length is known only after its commit: the next batch records it, and the step's end.</summary>
    private Task BatchCommittedAsync(Stopwatch watch)
    {
        _longestBatchMs = Math.Max(_longestBatchMs, (long)Math.Ceiling(watch.Elapsed.TotalMilliseconds));
        return AfterClipBatch?.Invoke() ?? Task.CompletedTask;
    }

    private async Task<long> CountClipsFromPageAsync(long guildId, long? channelId, long page, CancellationToken cancellationToken)
    {
        var from = new NpgsqlParameter("from", NpgsqlDbType.Tid) { Value = new NpgsqlTid(checked((uint)page), 0) };
        return await db.Database.SqlQuery<long>(
            $"""SELECT count(*) AS "Value" FROM clips WHERE ctid >= {from} AND guild_id = {guildId} AND channel_id = coalesce({channelId}, channel_id)""")
            .SingleAsync(cancellationToken);
    }

    /// <summary>
    /// Counts the scope's clips. After a table walk it reads the table in order: the scope's index then points at
    /// nothing but deleted rows, and following it would visit each of them.
    /// </summary>
    private async Task<long> CountClipsAsync(long guildId, long? channelId, CancellationToken cancellationToken)
    {
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
        if (_walkedTable)
        {
            await db.Database.ExecuteSqlRawAsync("SET LOCAL enable_indexscan = off; SET LOCAL enable_indexonlyscan = off; SET LOCAL enable_bitmapscan = off", cancellationToken);
        }

        var count = await db.Clips.LongCountAsync(c => c.GuildId == guildId && (channelId == null || c.ChannelId == channelId), cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return count;
    }

    /// <summary>Runs one bounded delete and adds its counts to the run's report in the same transaction.</summary>
    private async Task<long> DeleteBatchAsync(long runId, string table, string sql, long guildId, long? channelId, int batchSize, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
        var conn = db.Database.GetDbConnection();
        await using var cmd = conn.CreateCommand();
        cmd.Transaction = tx.GetDbTransaction();
        cmd.CommandText = sql;
        AddParameter(cmd, "guild", guildId);
        AddParameter(cmd, "channel", channelId ?? 0);
        AddParameter(cmd, "batch", batchSize);
        var count = (long)(await cmd.ExecuteScalarAsync(cancellationToken))!;

        if (count > 0)
        {
            await AddAsync(runId, ["rows_deleted", table], count, cancellationToken);
        }

        await tx.CommitAsync(cancellationToken);
        await MaxAsync(runId, ["longest_transaction_ms"], (long)Math.Ceiling(watch.Elapsed.TotalMilliseconds), cancellationToken);
        await HeartbeatAsync(runId, cancellationToken);
        return count;
    }

    private static string Prefix(long guildId, long? channelId) =>
        channelId is { } id ? ClipStorageKeys.ChannelPrefix(guildId, id) : ClipStorageKeys.GuildPrefix(guildId);

    /// <summary>
    /// Deletes the scope's files. What is there is counted and recorded once, before the first file goes: a crash in
    /// the middle of the deletes loses no count, and the retry reports the same numbers as an uncrashed run (nothing
    /// new can arrive in the scope meanwhile: scans are fenced out).
    /// </summary>
    private async Task DeleteFilesAsync(long runId, long guildId, CancellationToken cancellationToken)
    {
        var found = await db.Database.SqlQuery<string?>($"""SELECT progress ->> 'files_found' AS "Value" FROM purge_runs WHERE id = {runId}""").SingleAsync(cancellationToken);
        if (found is null)
        {
            long files = 0, bytes = 0;
            foreach (var part in _parts)
            {
                await foreach (var file in storage.ListAsync(Prefix(guildId, part), cancellationToken))
                {
                    files++;
                    bytes += file.SizeBytes;
                }
            }

            await db.Database.ExecuteSqlAsync(
                $$"""
                UPDATE purge_runs SET progress = jsonb_set(coalesce(progress, '{}'::jsonb), '{files_found}', jsonb_build_object('files', {{files}}, 'bytes', {{bytes}}))
                WHERE id = {{runId}} AND NOT coalesce(progress, '{}'::jsonb) ? 'files_found'
                """, cancellationToken);
        }

        foreach (var part in _parts)
        {
            await storage.DeleteByPrefixAsync(Prefix(guildId, part), cancellationToken);
            await HeartbeatAsync(runId, cancellationToken);
        }

        await db.Database.ExecuteSqlAsync(
            $$"""
            UPDATE purge_runs SET progress = progress
                || jsonb_build_object('files_deleted', progress #> '{files_found,files}', 'file_bytes_deleted', progress #> '{files_found,bytes}')
            WHERE id = {{runId}}
            """, cancellationToken);
    }

    private async Task RemoveGuildAsync(long runId, long guildId, int batchSize, CancellationToken cancellationToken)
    {
        while (await DeleteBatchAsync(runId, "guild_members",
            """
            WITH doomed AS (SELECT guild_id, user_id FROM guild_members WHERE guild_id = @guild LIMIT @batch FOR UPDATE SKIP LOCKED),
            gone AS (DELETE FROM guild_members m USING doomed d WHERE m.guild_id = d.guild_id AND m.user_id = d.user_id RETURNING 0)
            SELECT count(*) FROM gone
            """, guildId, null, batchSize, cancellationToken) > 0)
        {
        }

        // Scan runs still queued or running were stopped above; what is left of them goes with the channels.
        await DeleteCountedAsync(runId, "scan_runs", db.ScanRuns.Where(r => r.GuildId == guildId), cancellationToken);
        await DeleteCountedAsync(runId, "channels", db.Channels.Where(c => c.GuildId == guildId), cancellationToken);
        await DeleteCountedAsync(runId, "guild_settings", db.GuildSettings.Where(s => s.GuildId == guildId), cancellationToken);
        await DeleteCountedAsync(runId, "user_guild_access", db.UserGuildAccess.Where(a => a.GuildId == guildId), cancellationToken);
        await DeleteCountedAsync(runId, "install_intents", db.InstallIntents.Where(i => i.GuildId == guildId), cancellationToken);
        await DeleteCountedAsync(runId, "purge_runs", db.PurgeRuns.Where(p => p.GuildId == guildId && p.Id != runId), cancellationToken);

        var now = clock.GetUtcNow();
        await db.Guilds.Where(g => g.Id == guildId).ExecuteUpdateAsync(s => s
            .SetProperty(g => g.DeletedAt, g => g.DeletedAt ?? now)
            .SetProperty(g => g.DeletionReason, g => g.DeletedAt == null ? GuildDeletionReason.Purged : g.DeletionReason)
            .SetProperty(g => g.PurgedAt, g => g.PurgedAt ?? now), cancellationToken);

        if (LeaveGuild is not null)
        {
            try
            {
                await LeaveGuild(guildId, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Leaving is retried by the client; if it still fails the deletion stands and the report says so.
                await AddWarningAsync(runId, $"The bot could not leave the guild on Discord: {e.Message}", cancellationToken);
            }
        }
    }

    private async Task DeleteCountedAsync<T>(long runId, string table, IQueryable<T> rows, CancellationToken cancellationToken)
    {
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
        var count = await rows.ExecuteDeleteAsync(cancellationToken);
        if (count > 0)
        {
            await AddAsync(runId, ["rows_deleted", table], count, cancellationToken);
        }

        await tx.CommitAsync(cancellationToken);
    }

    private async Task VerifyAsync(long runId, long guildId, PurgeScope scope, CancellationToken cancellationToken)
    {
        var channels = _parts.OfType<long>().ToArray();
        long clips = 0, files = 0;
        foreach (var part in _parts)
        {
            clips += await CountClipsAsync(guildId, part, cancellationToken);
            files += await storage.ListAsync(Prefix(guildId, part), cancellationToken).LongCountAsync(cancellationToken);
        }

        var scans = await db.ScanRuns.LongCountAsync(r => r.GuildId == guildId && (scope != PurgeScope.Channel || channels.Contains(r.ChannelId)), cancellationToken);
        var days = await db.ClipDays.LongCountAsync(d => d.GuildId == guildId && (scope != PurgeScope.Channel || channels.Contains(d.ChannelId)), cancellationToken);
        var remaining = new JsonObject { ["clips"] = clips, ["clip_days"] = days, ["scan_runs"] = scans, ["files"] = files };
        if (scope == PurgeScope.Guild)
        {
            remaining["channels"] = await db.Channels.LongCountAsync(c => c.GuildId == guildId, cancellationToken);
            remaining["guild_members"] = await db.GuildMembers.LongCountAsync(m => m.GuildId == guildId, cancellationToken);
            remaining["guild_settings"] = await db.GuildSettings.LongCountAsync(s => s.GuildId == guildId, cancellationToken);
            remaining["purge_runs"] = await db.PurgeRuns.LongCountAsync(p => p.GuildId == guildId && p.Id != runId, cancellationToken);
        }

        var ok = remaining.All(kv => kv.Value!.GetValue<long>() == 0);
        var verification = new JsonObject { ["ok"] = ok, ["remaining"] = remaining, ["orphan_files"] = files, ["rows_without_files"] = 0 };
        await SetAsync(runId, ["verification"], verification, cancellationToken);
        if (!ok)
        {
            throw new InvalidOperationException($"Verification found data left in the scope: {remaining.ToJsonString()}.");
        }
    }

    private async Task CompleteAsync(long runId, long guildId, PurgeScope scope, long? channelId, TimeSpan elapsed, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
        var completed = await db.PurgeRuns.Where(p => p.Id == runId && p.Status == PurgeStatus.Running).ExecuteUpdateAsync(
            s => s.SetProperty(p => p.Status, PurgeStatus.Completed)
                .SetProperty(p => p.Step, "completed")
                .SetProperty(p => p.FinishedAt, now)
                .SetProperty(p => p.ReportJson, p => p.ProgressJson), cancellationToken);
        if (completed == 1)
        {
            var run = await db.PurgeRuns.AsNoTracking().FirstAsync(p => p.Id == runId, cancellationToken);
            var channelName = channelId is null ? null : await db.Channels.Where(c => c.Id == channelId).Select(c => c.Name).FirstOrDefaultAsync(cancellationToken);
            var report = PurgeReport.Parse(run.ReportJson);
            db.AuditEvents.Add(new AuditEvent
            {
                GuildId = guildId,
                ActorUserId = run.RequestedBy,
                Action = "purge.completed",
                Summary = $"{PurgeRequests.Describe(scope, channelName)} completed: {report.ClipsDeleted} clips, {report.FilesDeleted} files, {report.BytesDeleted} bytes deleted.",
                DataJson = JsonSerializer.Serialize(new { purge_run_id = runId, scope = SnakeCaseNames.ToText(scope), channel_id = channelId, report = JsonNode.Parse(run.ReportJson ?? "{}") }),
                CreatedAt = now,
            });
            await db.SaveChangesAsync(cancellationToken);
        }

        await tx.CommitAsync(cancellationToken);
        LogCompleted(logger, runId, elapsed.TotalMilliseconds);
    }

    /// <summary>Adds <paramref name="amount"/> to a number inside the run's progress JSON, atomically in SQL.</summary>
    private Task<int> AddAsync(long runId, string[] path, long amount, CancellationToken cancellationToken)
    {
        var parentDefault = path.Length > 1 ? "{}" : "0";
        return db.Database.ExecuteSqlAsync(
            $$"""
            UPDATE purge_runs SET progress = jsonb_set(
                coalesce(progress, '{}'::jsonb) || jsonb_build_object({{path[0]}}::text, coalesce(progress -> {{path[0]}}::text, {{parentDefault}}::jsonb)),
                {{path}}::text[],
                to_jsonb(coalesce((progress #>> {{path}}::text[])::bigint, 0) + {{amount}}))
            WHERE id = {{runId}}
            """, cancellationToken);
    }

    private Task<int> MaxAsync(long runId, string[] path, long value, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlAsync(
            $$"""
            UPDATE purge_runs SET progress = jsonb_set(coalesce(progress, '{}'::jsonb), {{path}}::text[],
                to_jsonb(greatest(coalesce((progress #>> {{path}}::text[])::bigint, 0), {{value}})))
            WHERE id = {{runId}}
            """, cancellationToken);

    private Task<int> SetAsync(long runId, string[] path, JsonNode value, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlAsync(
            $$"""UPDATE purge_runs SET progress = jsonb_set(coalesce(progress, '{}'::jsonb), {{path}}::text[], {{value.ToJsonString()}}::jsonb) WHERE id = {{runId}}""",
            cancellationToken);

    private Task<int> AddWarningAsync(long runId, string warning, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlAsync(
            $$"""UPDATE purge_runs SET progress = jsonb_set(coalesce(progress, '{}'::jsonb), '{warnings}', coalesce(progress -> 'warnings', '[]'::jsonb) || to_jsonb({{warning}}::text)) WHERE id = {{runId}}""",
            cancellationToken);

    private static void AddParameter(System.Data.Common.DbCommand cmd, string name, object value)
    {
        var p = cmd.CreateParameter();
        p.ParameterName = name;
        p.Value = value;
        cmd.Parameters.Add(p);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Purge run {RunId}: another job holds the run's lease; this copy leaves")]
    private static partial void LogLeaseHeld(ILogger logger, long runId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Purge run {RunId}: nothing to do ({Status})")]
    private static partial void LogNothingToDo(ILogger logger, long runId, PurgeStatus? status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Purge run {RunId}: step {Step} done in {ElapsedMs:0} ms")]
    private static partial void LogStep(ILogger logger, long runId, string step, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Purge run {RunId}: walked {Pages} pages of clips, {PagesPerBatch} a batch; {Missed} of the scope's clips left for the index pass")]
    private static partial void LogTableWalk(ILogger logger, long runId, long pages, long pagesPerBatch, long missed);

    [LoggerMessage(Level = LogLevel.Information, Message = "Purge run {RunId} completed in {ElapsedMs:0} ms")]
    private static partial void LogCompleted(ILogger logger, long runId, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "Purge run {RunId} failed; Hangfire will retry it")]
    private static partial void LogFailed(ILogger logger, Exception exception, long runId);
}

/// <summary>How a purge finds the clips it deletes: the job chooses; tests pin one.</summary>
public enum ClipWalkOrder
{
    Auto,
    Table,
    Index,
}

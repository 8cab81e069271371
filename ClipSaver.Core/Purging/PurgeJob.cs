using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using ClipSaver.Core.Data;
using ClipSaver.Core.Storage;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

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

    /// <summary>Leaves the guild on Discord (a guild purge's last step); null where no bot is configured.</summary>
    public Func<long, CancellationToken, Task>? LeaveGuild { get; set; }

    [Queue(JobQueues.Purge)]
    [AutomaticRetry(Attempts = 5, OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    [JobDisplayName("Purge {2} of guild {1} (run {0})")]
    public async Task RunAsync(long purgeRunId, long guildId, PurgeScope scope, long? channelId, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var run = await db.PurgeRuns.AsNoTracking().FirstOrDefaultAsync(p => p.Id == purgeRunId && p.GuildId == guildId, cancellationToken);
        if (run is null || run.Status is PurgeStatus.Completed or PurgeStatus.Cancelled)
        {
            LogNothingToDo(logger, purgeRunId, run?.Status);
            return;
        }

        var now = clock.GetUtcNow();
        if (run.NotBefore > now)
        {
            // Started early (an operator pressed "trigger"): keep the undo window.
            jobs.Schedule<PurgeJob>(j => j.RunAsync(purgeRunId, guildId, scope, channelId, CancellationToken.None), run.NotBefore);
            return;
        }

        // Scheduled → running. A retry of a half-done run (running or failed) carries on from where it stopped.
        await db.PurgeRuns.Where(p => p.Id == purgeRunId && p.Status != PurgeStatus.Completed && p.Status != PurgeStatus.Cancelled)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.Status, PurgeStatus.Running)
                .SetProperty(p => p.StartedAt, p => p.StartedAt ?? now)
                .SetProperty(p => p.HeartbeatAt, now)
                .SetProperty(p => p.Error, (string?)null), cancellationToken);
        if (await db.PurgeRuns.Where(p => p.Id == purgeRunId).Select(p => p.Status).FirstAsync(cancellationToken) != PurgeStatus.Running)
        {
            return; // cancelled at the last moment
        }

        var total = Stopwatch.StartNew();
        try
        {
            await TimeStepAsync(purgeRunId, "stopping_scans", () => StopScansAsync(guildId, channelId, scope, settings, cancellationToken), cancellationToken);
            await TimeStepAsync(purgeRunId, "deleting_rows", () => DeleteRowsAsync(purgeRunId, guildId, scope, channelId, settings.BatchSize, cancellationToken), cancellationToken);
            await TimeStepAsync(purgeRunId, "deleting_files", () => DeleteFilesAsync(purgeRunId, guildId, scope, channelId, cancellationToken), cancellationToken);
            if (scope == PurgeScope.Guild)
            {
                await TimeStepAsync(purgeRunId, "removing_guild", () => RemoveGuildAsync(purgeRunId, guildId, settings.BatchSize, cancellationToken), cancellationToken);
            }

            await TimeStepAsync(purgeRunId, "verifying", () => VerifyAsync(purgeRunId, guildId, scope, channelId, cancellationToken), cancellationToken);
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
        var inScope = db.ScanRuns.Where(r => r.GuildId == guildId && (scope != PurgeScope.Channel || r.ChannelId == channelId));
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
        var channelFilter = scope == PurgeScope.Channel ? "AND channel_id = @channel" : "";
        // Newest first along the (channel|guild, posted_at, id) index, continuing after the last row deleted, so that
        // no batch walks over the index entries of rows already gone. No row locks before the delete (they would
        // write every row twice): a second copy of this job that picks the same rows waits for the first, finds
        // them gone, and counts only what it deleted itself.
        var cursor = (PostedAt: DateTimeOffset.MaxValue, Id: long.MaxValue);
        while (true)
        {
            var batch = await DeleteClipBatchAsync(runId, guildId, scope == PurgeScope.Channel ? channelId : null, cursor, batchSize, cancellationToken);
            if (batch is { } next)
            {
                cursor = next;
                continue;
            }

            if (!await db.Clips.AnyAsync(c => c.GuildId == guildId && (scope != PurgeScope.Channel || c.ChannelId == channelId), cancellationToken))
            {
                break;
            }

            cursor = (DateTimeOffset.MaxValue, long.MaxValue);
        }

        while (true)
        {
            var deleted = await DeleteBatchAsync(runId, "scan_runs",
                $"""
                WITH doomed AS (
                    SELECT id FROM scan_runs WHERE guild_id = @guild {channelFilter} AND status NOT IN ('queued', 'running') ORDER BY id LIMIT @batch FOR UPDATE SKIP LOCKED),
                gone AS (DELETE FROM scan_runs s USING doomed d WHERE s.id = d.id RETURNING 0 AS size_bytes)
                SELECT count(*), 0 FROM gone
                """,
                guildId, channelId, batchSize, cancellationToken);
            if (deleted == 0)
            {
                break;
            }
        }

        var days = await db.ClipDays.Where(d => d.GuildId == guildId && (scope != PurgeScope.Channel || d.ChannelId == channelId)).ExecuteDeleteAsync(cancellationToken);
        if (days > 0)
        {
            await AddAsync(runId, ["rows_deleted", "clip_days"], days, cancellationToken);
        }

        // Counters, cursors and archiving switches of the scope: a purged channel does not start filling up again
        // by itself (docs/decisions/006-purge-fence.md).
        await db.Channels.Where(c => c.GuildId == guildId && (scope != PurgeScope.Channel || c.Id == channelId))
            .ExecuteUpdateAsync(s => s
                .SetProperty(c => c.ClipCount, 0)
                .SetProperty(c => c.ClipBytes, 0)
                .SetProperty(c => c.IsReading, false)
                .SetProperty(c => c.NewestScannedMessageId, (long?)null)
                .SetProperty(c => c.BackfillBeforeId, (long?)null)
                .SetProperty(c => c.BackfillComplete, false), cancellationToken);
    }

    /// <summary>
    /// Deletes one batch of clips after the cursor (by physical row id, found along the index); returns the new
    /// cursor, or null when this copy deleted nothing after it.
    /// </summary>
    private async Task<(DateTimeOffset PostedAt, long Id)?> DeleteClipBatchAsync(
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
                RETURNING size_bytes, posted_at, id)
            SELECT count(*), coalesce(sum(size_bytes), 0),
                (SELECT posted_at FROM gone ORDER BY posted_at, id LIMIT 1), (SELECT id FROM gone ORDER BY posted_at, id LIMIT 1)
            FROM gone
            """;
        AddParameter(cmd, "guild", guildId);
        AddParameter(cmd, "channel", channelId ?? 0);
        AddParameter(cmd, "batch", batchSize);
        AddParameter(cmd, "after_posted", after.PostedAt);
        AddParameter(cmd, "after_id", after.Id);
        long count, bytes;
        (DateTimeOffset, long)? next = null;
        await using (var reader = await cmd.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            (count, bytes) = (reader.GetInt64(0), Convert.ToInt64(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture));
            if (count > 0)
            {
                next = (reader.GetFieldValue<DateTimeOffset>(2), reader.GetInt64(3));
            }
        }

        if (count > 0)
        {
            await AddAsync(runId, ["rows_deleted", "clips"], count, cancellationToken);
            await AddAsync(runId, ["clip_bytes_deleted"], bytes, cancellationToken);
        }

        await tx.CommitAsync(cancellationToken);
        await MaxAsync(runId, ["longest_transaction_ms"], (long)Math.Ceiling(watch.Elapsed.TotalMilliseconds), cancellationToken);
        return next;
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
        long count, bytes;
        await using (var reader = await cmd.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            count = reader.GetInt64(0);
            bytes = Convert.ToInt64(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture);
        }

        if (count > 0)
        {
            await AddAsync(runId, ["rows_deleted", table], count, cancellationToken);
            if (table == "clips")
            {
                await AddAsync(runId, ["clip_bytes_deleted"], bytes, cancellationToken);
            }
        }

        await tx.CommitAsync(cancellationToken);
        await MaxAsync(runId, ["longest_transaction_ms"], (long)Math.Ceiling(watch.Elapsed.TotalMilliseconds), cancellationToken);
        return count;
    }

    private async Task DeleteFilesAsync(long runId, long guildId, PurgeScope scope, long? channelId, CancellationToken cancellationToken)
    {
        var prefix = scope == PurgeScope.Channel ? ClipStorageKeys.ChannelPrefix(guildId, channelId!.Value) : ClipStorageKeys.GuildPrefix(guildId);
        var (files, bytes) = await storage.DeleteByPrefixAsync(prefix, cancellationToken);
        await AddAsync(runId, ["files_deleted"], files, cancellationToken);
        await AddAsync(runId, ["file_bytes_deleted"], bytes, cancellationToken);
    }

    private async Task RemoveGuildAsync(long runId, long guildId, int batchSize, CancellationToken cancellationToken)
    {
        while (await DeleteBatchAsync(runId, "guild_members",
            """
            WITH doomed AS (SELECT guild_id, user_id FROM guild_members WHERE guild_id = @guild LIMIT @batch FOR UPDATE SKIP LOCKED),
            gone AS (DELETE FROM guild_members m USING doomed d WHERE m.guild_id = d.guild_id AND m.user_id = d.user_id RETURNING 0 AS size_bytes)
            SELECT count(*), 0 FROM gone
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

    private async Task VerifyAsync(long runId, long guildId, PurgeScope scope, long? channelId, CancellationToken cancellationToken)
    {
        var clips = await db.Clips.LongCountAsync(c => c.GuildId == guildId && (scope != PurgeScope.Channel || c.ChannelId == channelId), cancellationToken);
        var scans = await db.ScanRuns.LongCountAsync(r => r.GuildId == guildId && (scope != PurgeScope.Channel || r.ChannelId == channelId), cancellationToken);
        var prefix = scope == PurgeScope.Channel ? ClipStorageKeys.ChannelPrefix(guildId, channelId!.Value) : ClipStorageKeys.GuildPrefix(guildId);
        var files = await storage.ListAsync(prefix, cancellationToken).LongCountAsync(cancellationToken);
        var days = await db.ClipDays.LongCountAsync(d => d.GuildId == guildId && (scope != PurgeScope.Channel || d.ChannelId == channelId), cancellationToken);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Purge run {RunId}: nothing to do ({Status})")]
    private static partial void LogNothingToDo(ILogger logger, long runId, PurgeStatus? status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Purge run {RunId}: step {Step} done in {ElapsedMs:0} ms")]
    private static partial void LogStep(ILogger logger, long runId, string step, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Purge run {RunId} completed in {ElapsedMs:0} ms")]
    private static partial void LogCompleted(ILogger logger, long runId, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "Purge run {RunId} failed; Hangfire will retry it")]
    private static partial void LogFailed(ILogger logger, Exception exception, long runId);
}

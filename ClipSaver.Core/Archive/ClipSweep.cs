using Microsoft.EntityFrameworkCore.Storage;
using NpgsqlTypes;

namespace ClipSaver.Core.Archive;

/// <summary>How a sweep finds the clips it deletes: by the scope's share of the table, or one way always.</summary>
public enum ClipWalkOrder
{
    Auto,
    Table,
    Index,
}

/// <summary>Follows a sweep batch by batch: each batch is counted inside its own transaction, and seen again once committed.</summary>
public interface ISweepProgress
{
    /// <summary>Inside the batch's transaction, before its commit: the caller counts the rows in the same transaction.</summary>
    Task DeletedAsync(long clips, CancellationToken cancellationToken);

    /// <summary>After the commit, with the transaction's length.</summary>
    Task CommittedAsync(TimeSpan transaction, CancellationToken cancellationToken);
}

/// <summary>
/// Deletes all clips of one channel (or of a whole guild) in batches, each its own short transaction: a purge's bulk
/// delete (docs/decisions/006-purge-fence.md). When the scope is a large part of the table, the batches walk the table
/// in physical order, a range of pages at a time: the same sequential reading a single plain DELETE does, several
/// times faster than fetching rows one by one along an index. Otherwise they walk the scope's index, newest first,
/// which is also the last pass that catches anything the table walk missed. No row locks before the delete (they
/// would write every row twice): a second copy that reaches the same rows waits for the first, finds them gone, and
/// counts only what it deleted itself. The caller fences writers out first and sets the counters after
/// (<see cref="ClipArchive.EmptyChannelsAsync"/>).
/// </summary>
public sealed partial class ClipSweep(ClipSaverDbContext db, ILogger<ClipSweep> logger)
{
    /// <summary>Deletes the scope's clips; true when it walked the table (then <see cref="CountAsync"/> should read in order too).</summary>
    public async Task<bool> DeleteAsync(long guildId, long? channelId, int batchSize, ClipWalkOrder walk, ISweepProgress progress, CancellationToken cancellationToken)
    {
        var shape = await TableShapeAsync(guildId, channelId, cancellationToken);
        var walkTable = walk == ClipWalkOrder.Table || (walk == ClipWalkOrder.Auto && shape.ScopeIsLargePart);
        if (walkTable && await WalkTableAsync(guildId, channelId, shape, shape.PagesPerBatch(batchSize), progress, cancellationToken) == 0)
        {
            // Every range was read again after its delete and held none of the scope.
            return true;
        }

        var cursor = (PostedAt: DateTimeOffset.MaxValue, Id: long.MaxValue);
        while (true)
        {
            if (await DeleteAlongIndexAsync(guildId, channelId, cursor, batchSize, progress, cancellationToken) is { } next)
            {
                cursor = next;
                continue;
            }

            if (!await db.Clips.AnyAsync(c => c.GuildId == guildId && (channelId == null || c.ChannelId == channelId), cancellationToken))
            {
                return walkTable;
            }

            cursor = (DateTimeOffset.MaxValue, long.MaxValue);
        }
    }

    /// <summary>
    /// Counts the scope's clips. After a table walk it reads the table in order: the scope's index then points at
    /// nothing but deleted rows, and following it would visit each of them.
    /// </summary>
    public async Task<long> CountAsync(long guildId, long? channelId, bool afterTableWalk, CancellationToken cancellationToken)
    {
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
        if (afterTableWalk)
        {
            await db.Database.ExecuteSqlRawAsync("SET LOCAL enable_indexscan = off; SET LOCAL enable_indexonlyscan = off; SET LOCAL enable_bitmapscan = off", cancellationToken);
        }

        var count = await db.Clips.LongCountAsync(c => c.GuildId == guildId && (channelId == null || c.ChannelId == channelId), cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return count;
    }

    /// <summary>Walks pages [0, end of table) a range at a time; returns how many of the scope's clips the reads after the deletes still found.</summary>
    private async Task<long> WalkTableAsync(long guildId, long? channelId, TableShape shape, long pagesPerBatch, ISweepProgress progress, CancellationToken cancellationToken)
    {
        var missed = 0L;
        for (long page = 0; page < shape.Pages; page += pagesPerBatch)
        {
            missed += await DeletePagesAsync(guildId, channelId, page, page + pagesPerBatch, pagesPerBatch, progress, cancellationToken);
        }

        // The last range has not been read again yet, and the table may have grown while the walk ran.
        var from = new NpgsqlParameter("from", NpgsqlDbType.Tid) { Value = new NpgsqlTid(checked((uint)Math.Max(0, shape.Pages - pagesPerBatch)), 0) };
        missed += await db.Database.SqlQuery<long>(
            $"""SELECT count(*) AS "Value" FROM clips WHERE ctid >= {from} AND guild_id = {guildId} AND channel_id = coalesce({channelId}, channel_id)""")
            .SingleAsync(cancellationToken);
        LogTableWalk(logger, shape.Pages, pagesPerBatch, missed);
        return missed;
    }

    /// <summary>How the scope's clips sit in the table, from the channel counters and the planner's statistics.</summary>
    private sealed record TableShape(long Pages, double RowsPerPage, long TableRows, long ScopeRows)
    {
        /// <summary>At least a tenth of the table: reading it all in order costs less than fetching the scope by index.</summary>
        public bool ScopeIsLargePart => ScopeRows * 10 >= TableRows;

        /// <summary>
        /// Enough pages to hold about <paramref name="batchSize"/> of the scope's rows: a batch deletes as many rows as
        /// an index batch would, with fewer transactions (each one's fixed cost counts a million rows in).
        /// </summary>
        public long PagesPerBatch(int batchSize)
        {
            var share = TableRows > 0 ? Math.Clamp((double)ScopeRows / TableRows, 0.1, 1) : 1;
            return Math.Max(1, (long)(batchSize / (Math.Max(1, RowsPerPage) * share)));
        }
    }

    private sealed record TableStats(long Pages, long StatsPages, double StatsRows);

    private async Task<TableShape> TableShapeAsync(long guildId, long? channelId, CancellationToken cancellationToken)
    {
        var scopeRows = await db.Channels.Where(c => c.GuildId == guildId && (channelId == null || c.Id == channelId)).SumAsync(c => (long?)c.ClipCount, cancellationToken) ?? 0;
        var table = await db.Database.SqlQuery<TableStats>(
            $"""
            SELECT pg_relation_size(c.oid) / current_setting('block_size')::bigint AS pages, c.relpages::bigint AS stats_pages, c.reltuples::float8 AS stats_rows
            FROM pg_class c WHERE c.oid = 'clips'::regclass
            """).SingleAsync(cancellationToken);
        // Never analysed (reltuples -1) or empty: assume a typical row of a few hundred bytes, 30 to a page.
        var rowsPerPage = table.StatsPages > 0 && table.StatsRows > 0 ? table.StatsRows / table.StatsPages : 30;
        return new TableShape(table.Pages, rowsPerPage, (long)(table.Pages * rowsPerPage), scopeRows);
    }

    /// <summary>
    /// Deletes the scope's clips on pages [from, to) in one transaction, and reads the previous range again while its
    /// pages are still in memory (this settles the deleted rows there, so that the checks after the walk read them
    /// cheaply). Returns how many of the scope's clips that read still found: rows the walk missed.
    /// </summary>
    private async Task<long> DeletePagesAsync(long guildId, long? channelId, long from, long to, long pagesPerBatch, ISweepProgress progress, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var scopeFilter = $"guild_id = @guild {(channelId is null ? "" : "AND channel_id = @channel")}";
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch((NpgsqlConnection)db.Database.GetDbConnection(), (NpgsqlTransaction)tx.GetDbTransaction());
        // A plain DELETE: RETURNING, even of a constant, costs as much again as the delete itself here.
        batch.BatchCommands.Add(PageCommand($"DELETE FROM clips WHERE ctid >= @from AND ctid < @to AND {scopeFilter}", from, to));
        batch.BatchCommands.Add(PageCommand($"SELECT count(*) FROM clips WHERE ctid >= @from AND ctid < @to AND {scopeFilter}", Math.Max(0, from - pagesPerBatch), from));
        var missed = (long)(await batch.ExecuteScalarAsync(cancellationToken))!;
        await progress.DeletedAsync(batch.BatchCommands[0].RecordsAffected, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        await progress.CommittedAsync(watch.Elapsed, cancellationToken);
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
    private async Task<(DateTimeOffset PostedAt, long Id)?> DeleteAlongIndexAsync(
        long guildId, long? channelId, (DateTimeOffset PostedAt, long Id) after, int batchSize, ISweepProgress progress, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
        await using var cmd = new NpgsqlCommand(
            $"""
            WITH gone AS (
                DELETE FROM clips WHERE ctid = ANY(ARRAY(
                    SELECT ctid FROM clips
                    WHERE guild_id = @guild {(channelId is null ? "" : "AND channel_id = @channel")} AND (posted_at, id) < (@after_posted, @after_id)
                    ORDER BY posted_at DESC, id DESC LIMIT @batch))
                RETURNING posted_at, id)
            SELECT count(*), (SELECT posted_at FROM gone ORDER BY posted_at, id LIMIT 1), (SELECT id FROM gone ORDER BY posted_at, id LIMIT 1)
            FROM gone
            """, (NpgsqlConnection)db.Database.GetDbConnection(), (NpgsqlTransaction)tx.GetDbTransaction())
        {
            Parameters = { new("guild", guildId), new("channel", channelId ?? 0), new("batch", batchSize), new("after_posted", after.PostedAt), new("after_id", after.Id) },
        };
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

        await progress.DeletedAsync(count, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        await progress.CommittedAsync(watch.Elapsed, cancellationToken);
        return next;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Clip sweep walked {Pages} pages, {PagesPerBatch} a batch; {Missed} of the scope's clips left for the index pass")]
    private static partial void LogTableWalk(ILogger logger, long pages, long pagesPerBatch, long missed);
}

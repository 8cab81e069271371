using ClipSaver.Core.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace ClipSaver.Core.Purging;

/// <summary>
/// The database-level fence between scans and purges (docs/decisions/006-purge-fence.md). A scan writes each page of
/// clips in a transaction that first takes <b>shared</b> advisory locks on its guild and channel and checks that no
/// purge of its scope is running. A purge, once its run is marked running, takes the same locks <b>exclusively</b>
/// for a moment: that waits for every scan transaction already inside the scope to commit, and every later one sees
/// the running purge and writes nothing. No timing assumption is involved.
/// </summary>
public static class ScopeLocks
{
    /// <summary>
    /// For a scan, inside its page transaction: true when the scan may write into the channel. The shared locks are
    /// held until the transaction ends. A thread's scan also enters its parent channel's scope, which a purge of the
    /// parent covers (<see cref="PurgeScopes"/>).
    /// </summary>
    public static async Task<bool> TryEnterForWriteAsync(ClipSaverDbContext db, long guildId, long channelId, long? parentChannelId, CancellationToken cancellationToken)
    {
        if (db.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("A scan writes into a scope only inside a transaction.");
        }

        var parent = parentChannelId ?? channelId;
        await db.Database.ExecuteSqlAsync(
            $"SELECT pg_advisory_xact_lock_shared(hashtextextended('clipsaver:scope:guild:' || {guildId}::text, 0)), pg_advisory_xact_lock_shared(hashtextextended('clipsaver:scope:channel:' || {channelId}::text, 0)), pg_advisory_xact_lock_shared(hashtextextended('clipsaver:scope:channel:' || {parent}::text, 0))",
            cancellationToken);
        var purging = await db.PurgeRuns.AnyAsync(
            p => p.GuildId == guildId && p.Status == PurgeStatus.Running && (p.Scope != PurgeScope.Channel || p.ChannelId == channelId || p.ChannelId == parent),
            cancellationToken);
        return !purging;
    }

    /// <summary>For a channel's own scan (not a thread's).</summary>
    public static Task<bool> TryEnterForWriteAsync(ClipSaverDbContext db, long guildId, long channelId, CancellationToken cancellationToken) =>
        TryEnterForWriteAsync(db, guildId, channelId, null, cancellationToken);

    /// <summary>For a purge whose run is already marked running: waits until no scan transaction is inside the scope.</summary>
    public static async Task DrainWritersAsync(string connectionString, long guildId, long? channelId, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        var sql = channelId is null
            ? "SELECT pg_advisory_xact_lock(hashtextextended('clipsaver:scope:guild:' || @g::text, 0))"
            : "SELECT pg_advisory_xact_lock(hashtextextended('clipsaver:scope:channel:' || @c::text, 0))";
        await using var cmd = new NpgsqlCommand(sql, connection, tx);
        cmd.Parameters.AddWithValue("g", guildId);
        cmd.Parameters.AddWithValue("c", channelId ?? 0);
        await cmd.ExecuteNonQueryAsync(cancellationToken);
        await tx.CommitAsync(cancellationToken);
    }
}

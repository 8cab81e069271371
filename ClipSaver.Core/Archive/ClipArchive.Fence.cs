namespace ClipSaver.Core.Archive;

/// <summary>
/// The database-level fence between the archive's writers and purges (docs/decisions/006-purge-fence.md). A writer
/// (a scan's page, a member cleanup's batch of deletes) works in a transaction that first takes <b>shared</b> advisory
/// locks on its guild and channels and checks that no purge of its scope is running. A purge, once its run is marked
/// running, takes the same locks <b>exclusively</b> for a moment: that waits for every writer transaction already
/// inside the scope to commit, and every later one sees the running purge and writes nothing. No timing assumption is
/// involved.
/// </summary>
public sealed partial class ClipArchive
{
    /// <summary>
    /// For a scan, inside its page transaction: true when the scan may write into the channel. The shared locks are
    /// held until the transaction ends. A thread's scan also enters its parent channel's scope, which a purge of the
    /// parent covers.
    /// </summary>
    public static async Task<bool> TryEnterForWriteAsync(ClipSaverDbContext db, long guildId, long channelId, long? parentChannelId, CancellationToken cancellationToken) =>
        (await EnterAsync(db, guildId, [(channelId, parentChannelId)], cancellationToken)).Count == 1;

    /// <summary>For a channel's own scan (not a thread's).</summary>
    public static Task<bool> TryEnterForWriteAsync(ClipSaverDbContext db, long guildId, long channelId, CancellationToken cancellationToken) =>
        TryEnterForWriteAsync(db, guildId, channelId, null, cancellationToken);

    /// <summary>
    /// For a writer that touches several channels of a guild, inside its transaction: the channels among
    /// <paramref name="channelIds"/> it may write into (no running purge covers them). Threads enter their parent's scope too.
    /// </summary>
    public static async Task<IReadOnlySet<long>> EnterForWriteAsync(ClipSaverDbContext db, long guildId, IReadOnlyCollection<long> channelIds, CancellationToken cancellationToken)
    {
        var known = await db.Channels.Where(c => channelIds.Contains(c.Id)).Select(c => new { c.Id, c.ParentId, c.IsThread }).ToDictionaryAsync(c => c.Id, cancellationToken);
        var channels = channelIds.Select(id => (id, known.TryGetValue(id, out var c) && c.IsThread ? c.ParentId : null)).ToArray();
        return await EnterAsync(db, guildId, channels, cancellationToken);
    }

    private static async Task<IReadOnlySet<long>> EnterAsync(ClipSaverDbContext db, long guildId, (long Id, long? Parent)[] channels, CancellationToken cancellationToken)
    {
        if (db.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("The archive writes into a scope only inside a transaction.");
        }

        var keys = channels.Select(c => c.Id).Concat(channels.Select(c => c.Parent ?? c.Id)).Distinct().Order().ToArray();
        await db.Database.ExecuteSqlAsync(
            $"SELECT pg_advisory_xact_lock_shared(hashtextextended('clipsaver:scope:guild:' || {guildId}::text, 0)), count(pg_advisory_xact_lock_shared(hashtextextended('clipsaver:scope:channel:' || k::text, 0))) FROM unnest({keys}) AS k",
            cancellationToken);
        // A member's deletion of their own clips is a writer itself (ClipArchive.DeleteAsync), not a fence.
        var purges = await db.PurgeRuns.Where(p => p.GuildId == guildId && p.Status == PurgeStatus.Running && p.Scope != PurgeScope.Author)
            .Select(p => new { p.Scope, p.ChannelId }).ToListAsync(cancellationToken);
        if (purges.Any(p => p.Scope != PurgeScope.Channel))
        {
            return new HashSet<long>();
        }

        var purged = purges.Select(p => p.ChannelId).ToHashSet();
        return channels.Where(c => !purged.Contains(c.Id) && !purged.Contains(c.Parent ?? c.Id)).Select(c => c.Id).ToHashSet();
    }

    /// <summary>For a purge whose run is already marked running: waits until no writer transaction is inside the scope.</summary>
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

using System.Text.Json;
using ClipSaver.Core.Data;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ClipSaver.Core.Purging;

public abstract record PurgeRequestResult
{
    public sealed record Accepted(PurgeRun Run) : PurgeRequestResult;

    /// <summary>The typed phrase is not the expected one; nothing changed.</summary>
    public sealed record WrongPhrase(string Expected) : PurgeRequestResult;

    /// <summary>Inside the cooldown; <see cref="AllowedAt"/> is when a purge of this scope is allowed again.</summary>
    public sealed record CoolingDown(DateTimeOffset AllowedAt) : PurgeRequestResult;

    /// <summary>Overlaps a scheduled or running purge, or the guild is already purged.</summary>
    public sealed record Conflict(string Reason) : PurgeRequestResult;

    public sealed record NotFound(string What) : PurgeRequestResult;
}

/// <summary>
/// Records a purge: the page and the API both call this after checking that the caller is the guild's owner (live).
/// One transaction holds a per-guild lock, refuses overlaps, claims the cooldown with one compare-and-set statement,
/// and inserts the run; the Hangfire job is scheduled for the end of the undo window.
/// </summary>
public sealed class PurgeRequests(ClipSaverDbContext db, IBackgroundJobClient jobs, IOptionsMonitor<PurgeOptions> options, TimeProvider clock)
{
    public async Task<PurgeRequestResult> RequestAsync(long guildId, PurgeScope scope, long? channelId, string? confirm, long? requestedBy, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var guild = await db.Guilds.AsNoTracking().FirstOrDefaultAsync(g => g.Id == guildId, cancellationToken);
        if (guild is null)
        {
            return new PurgeRequestResult.NotFound("guild");
        }

        string? channelName = null;
        long? parentId = null;
        if (scope == PurgeScope.Channel)
        {
            var channel = await db.Channels.Where(c => c.Id == channelId && c.GuildId == guildId)
                .Select(c => new { c.Name, ParentId = c.IsThread ? c.ParentId : null }).FirstOrDefaultAsync(cancellationToken);
            if (channel is null)
            {
                return new PurgeRequestResult.NotFound("channel");
            }

            (channelName, parentId) = (channel.Name, channel.ParentId);
        }

        var expected = PurgePhrases.For(scope, channelName);
        if (!PurgePhrases.Matches(expected, confirm))
        {
            return new PurgeRequestResult.WrongPhrase(expected);
        }

        if (guild.PurgedAt is not null)
        {
            return new PurgeRequestResult.Conflict("This guild's data has already been purged.");
        }

        if (guild.DeletedAt is not null && scope != PurgeScope.Guild)
        {
            return new PurgeRequestResult.Conflict("ClipSaver was removed from this guild; only a purge of the whole guild is possible.");
        }

        var now = clock.GetUtcNow();
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
        // Serialises purge requests of one guild, so that the overlap check and the insert below are one step.
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtextextended('clipsaver:purge-request:' || {guildId}::text, 0))", cancellationToken);

        // A channel purge covers the channel and its threads; it overlaps a purge of any of them, and of the channel
        // a thread belongs to.
        long[] covered = scope == PurgeScope.Channel ? await PurgeScopes.ChannelIdsAsync(db, guildId, channelId!.Value, cancellationToken) : [];
        var active = await db.PurgeRuns
            .Where(p => p.GuildId == guildId && (p.Status == PurgeStatus.Scheduled || p.Status == PurgeStatus.Running))
            .Select(p => new { p.Scope, p.ChannelId })
            .ToListAsync(cancellationToken);
        if (active.Any(p => scope != PurgeScope.Channel || p.Scope != PurgeScope.Channel || covered.Contains(p.ChannelId!.Value) || p.ChannelId == parentId))
        {
            return new PurgeRequestResult.Conflict("A purge that covers this data is already scheduled or running.");
        }

        // The cooldown check and claim are one statement: of many concurrent requests exactly one updates the rows
        // (and the guild's lock above already serialises them). A channel's cooldown covers its threads.
        var until = now + settings.Cooldown;
        if (scope == PurgeScope.Channel)
        {
            var claimed = await db.Channels
                .Where(c => covered.Contains(c.Id) && !db.Channels.Any(o => covered.Contains(o.Id) && o.PurgeCooldownUntil > now))
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.PurgeCooldownUntil, until), cancellationToken);
            if (claimed == 0)
            {
                var allowedAt = await db.Channels.Where(c => covered.Contains(c.Id)).MaxAsync(c => c.PurgeCooldownUntil, cancellationToken);
                return new PurgeRequestResult.CoolingDown(allowedAt!.Value);
            }
        }
        else if (scope == PurgeScope.AllChannels)
        {
            var claimed = await db.Guilds
                .Where(g => g.Id == guildId && (g.AllChannelsPurgeCooldownUntil == null || g.AllChannelsPurgeCooldownUntil <= now))
                .ExecuteUpdateAsync(s => s.SetProperty(g => g.AllChannelsPurgeCooldownUntil, until), cancellationToken);
            if (claimed == 0)
            {
                var allowedAt = await db.Guilds.Where(g => g.Id == guildId).Select(g => g.AllChannelsPurgeCooldownUntil).FirstAsync(cancellationToken);
                return new PurgeRequestResult.CoolingDown(allowedAt!.Value);
            }
        }

        var preview = await PurgePreview.CountAsync(db, guildId, scope, channelId, cancellationToken);
        var run = new PurgeRun
        {
            GuildId = guildId,
            Scope = scope,
            ChannelId = scope == PurgeScope.Channel ? channelId : null,
            RequestedBy = requestedBy,
            RequestedAt = now,
            NotBefore = now + settings.UndoWindow,
            Status = PurgeStatus.Scheduled,
            Step = "scheduled",
            PreviewJson = JsonSerializer.Serialize(preview, JsonSerializerOptions.Web),
        };
        db.PurgeRuns.Add(run);
        db.AuditEvents.Add(new AuditEvent
        {
            GuildId = guildId,
            ActorUserId = requestedBy,
            Action = "purge.requested",
            Summary = $"{Describe(scope, channelName)} requested; starts at {run.NotBefore:u}.",
            CreatedAt = now,
        });
        await db.SaveChangesAsync(cancellationToken);
        await tx.CommitAsync(cancellationToken);

        // Scheduled after the commit: a run whose job was lost (a crash right here) is picked up by RunRecovery.
        run.HangfireJobId = Schedule(run);
        await db.PurgeRuns.Where(p => p.Id == run.Id).ExecuteUpdateAsync(s => s.SetProperty(p => p.HangfireJobId, run.HangfireJobId), cancellationToken);
        return new PurgeRequestResult.Accepted(run);
    }

    /// <summary>
    /// Cancels a purge inside its undo window and gives its cooldown back. False when it has started, finished, or
    /// does not exist.
    /// </summary>
    public async Task<bool> CancelAsync(long guildId, long purgeRunId, long? userId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
        var cancelled = await db.PurgeRuns
            .Where(p => p.Id == purgeRunId && p.GuildId == guildId && p.Status == PurgeStatus.Scheduled)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.Status, PurgeStatus.Cancelled).SetProperty(p => p.FinishedAt, now).SetProperty(p => p.Step, "cancelled"), cancellationToken);
        if (cancelled == 0)
        {
            return false;
        }

        var run = await db.PurgeRuns.AsNoTracking().FirstAsync(p => p.Id == purgeRunId, cancellationToken);
        if (run.Scope == PurgeScope.Channel)
        {
            // The claim set exactly this value on the channel and its threads; rows with another value kept their own.
            var covered = await PurgeScopes.ChannelIdsAsync(db, guildId, run.ChannelId!.Value, cancellationToken);
            var claimedUntil = run.RequestedAt + options.CurrentValue.Cooldown;
            await db.Channels.Where(c => covered.Contains(c.Id) && (c.Id == run.ChannelId || c.PurgeCooldownUntil == claimedUntil))
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.PurgeCooldownUntil, (DateTimeOffset?)null), cancellationToken);
        }
        else if (run.Scope == PurgeScope.AllChannels)
        {
            await db.Guilds.Where(g => g.Id == guildId).ExecuteUpdateAsync(s => s.SetProperty(g => g.AllChannelsPurgeCooldownUntil, (DateTimeOffset?)null), cancellationToken);
        }

        db.AuditEvents.Add(new AuditEvent { GuildId = guildId, ActorUserId = userId, Action = "purge.cancelled", Summary = $"Purge #{purgeRunId} cancelled before it started.", CreatedAt = now });
        await db.SaveChangesAsync(cancellationToken);
        await tx.CommitAsync(cancellationToken);
        if (run.HangfireJobId is not null)
        {
            jobs.Delete(run.HangfireJobId);
        }

        return true;
    }

    public string Schedule(PurgeRun run) =>
        jobs.Schedule<PurgeJob>(j => j.RunAsync(run.Id, CancellationToken.None), run.NotBefore);

    public static string Describe(PurgeScope scope, string? channelName) => scope switch
    {
        PurgeScope.Channel => $"Purge of channel #{channelName}",
        PurgeScope.AllChannels => "Purge of all channels",
        _ => "Purge of the whole guild",
    };
}

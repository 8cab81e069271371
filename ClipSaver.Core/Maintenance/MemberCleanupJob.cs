namespace ClipSaver.Core.Maintenance;

/// <summary>Section <c>ClipSaver:MemberCleanup</c>.</summary>
public sealed class MemberCleanupOptions
{
    public const string Section = "ClipSaver:MemberCleanup";

    [System.ComponentModel.DataAnnotations.Range(1, 10_000)]
    public int BatchSize { get; set; } = 50;

    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan DelayBetweenBatches { get; set; } = TimeSpan.FromSeconds(1);
}

public sealed record MemberCleanupGuildResult(long GuildId, bool DryRun, long Departed, long MembersRemoved, long ClipsDeleted, long FilesDeleted, string? Error, IReadOnlyList<string> Examples);

public sealed record MemberCleanupResult(bool Skipped, bool DryRun, IReadOnlyList<MemberCleanupGuildResult> Guilds, long UsersRemoved);

/// <summary>
/// Compares the members ClipSaver knows with Discord's member list (needs the members intent) and removes those who
/// left, in batches. Their clips are kept or deleted as the guild's setting says (deleted through <see cref="ClipArchive"/>). Users left with no guild, no
/// login and no clip are removed too. A dry run reports and changes nothing. One guild's failure does not stop the
/// others. Each guild's result is kept as an audit event.
/// </summary>
public sealed partial class MemberCleanupJob(
    ClipSaverDbContext db,
    ClipSaverConnection connection,
    DiscordRestClient discord,
    ClipArchive archive,
    GuildSettingsStore settings,
    IOptionsMonitor<MemberCleanupOptions> options,
    TimeProvider clock,
    ILogger<MemberCleanupJob> logger)
{
    public const string RecurringJobId = "member-cleanup";
    public const string AuditAction = "maintenance.member_cleanup";

    /// <summary>Clip rows deleted per transaction.</summary>
    private const int ClipDeleteBatch = 1000;

    public const string MissingIntentMessage =
        "ClipSaver cannot read the member list: the bot's Server Members intent is off. Switch it on in the Discord developer portal (Bot → Privileged Gateway Intents).";

    public const string BotNotInGuildMessage =
        "ClipSaver is no longer in this server (Discord refused access to it), so its member list cannot be read. Nothing was changed; invite the bot again to resume.";

    [Queue(JobQueues.Maintenance)]
    [AutomaticRetry(Attempts = 1)]
    [JobDisplayName("Member cleanup (guild {0}, dry run {1})")]
    public Task<MemberCleanupResult> RunAsync(long? guildId, bool dryRun, CancellationToken cancellationToken) =>
        AdvisoryLock.RunAloneAsync(connection.ConnectionString, RecurringJobId, () => CleanAsync(guildId, dryRun, cancellationToken), () =>
        {
            LogSkipped(logger);
            return new MemberCleanupResult(true, dryRun, [], 0);
        }, cancellationToken);

    private async Task<MemberCleanupResult> CleanAsync(long? guildId, bool dryRun, CancellationToken cancellationToken)
    {
        var guilds = await db.Guilds.AsNoTracking().Where(g => g.DeletedAt == null && (guildId == null || g.Id == guildId))
            .OrderBy(g => g.Id).Select(g => g.Id).ToListAsync(cancellationToken);
        var results = new List<MemberCleanupGuildResult>();
        foreach (var id in guilds)
        {
            MemberCleanupGuildResult result;
            try
            {
                result = await CleanGuildAsync(id, dryRun, cancellationToken);
            }
            catch (Exception e) when (e is DiscordApiException or HttpRequestException or TimeoutException)
            {
                var message = e is DiscordApiException refused ? await ExplainAsync(id, refused, cancellationToken) : e.Message;
                result = new MemberCleanupGuildResult(id, dryRun, 0, 0, 0, 0, message, []);
                LogGuildFailed(logger, e, id);
            }

            results.Add(result);
            db.AuditEvents.Add(new AuditEvent
            {
                GuildId = id,
                Action = AuditAction,
                Summary = result.Error is not null ? $"Member cleanup failed: {result.Error}"
                    : dryRun ? $"Member cleanup (dry run): {result.Departed} members left the server; nothing was changed."
                    : $"Member cleanup: {result.MembersRemoved} members who left were removed; {result.ClipsDeleted} of their clips deleted.",
                DataJson = JsonSerializer.Serialize(result, JsonSerializerOptions.Web),
                CreatedAt = clock.GetUtcNow(),
            });
            await db.SaveChangesAsync(cancellationToken);
        }

        var usersRemoved = dryRun ? 0 : await RemoveLoneUsersAsync(cancellationToken);
        return new MemberCleanupResult(false, dryRun, results, usersRemoved);
    }

    private async Task<MemberCleanupGuildResult> CleanGuildAsync(long guildId, bool dryRun, CancellationToken cancellationToken)
    {
        var current = new HashSet<long>();
        await foreach (var member in discord.GetGuildMembersAsync(Snowflake.FromInt64(guildId), cancellationToken))
        {
            if (member.User is { } user)
            {
                current.Add(user.Id.ToInt64());
            }
        }

        var known = await db.GuildMembers.AsNoTracking().Where(m => m.GuildId == guildId).Select(m => m.UserId).ToListAsync(cancellationToken);
        var departed = known.Where(id => !current.Contains(id)).ToList();
        var examples = departed.Take(5).Select(id => $"user {id}").ToList();
        if (dryRun || departed.Count == 0)
        {
            return new MemberCleanupGuildResult(guildId, dryRun, departed.Count, 0, 0, 0, null, examples);
        }

        var (removed, clips, files) = await RemoveDepartedAsync(guildId, departed, cancellationToken);
        return new MemberCleanupGuildResult(guildId, false, departed.Count, removed, clips, files, null, examples);
    }

    /// <summary>
    /// Members who left the guild (found by this job, or told by a Gateway event): their records go, and their clips
    /// are kept or deleted as the guild's setting says. Removing someone already gone changes nothing.
    /// </summary>
    public async Task<(long Removed, long Clips, long Files)> RemoveDepartedAsync(long guildId, IReadOnlyList<long> departed, CancellationToken cancellationToken)
    {
        var deleteClips = (await settings.GetAsync(guildId, cancellationToken)).DepartedMemberClips == DepartedMemberClips.Delete;
        long removed = 0, clips = 0, files = 0;
        var opts = options.CurrentValue;
        var batches = departed.Chunk(opts.BatchSize).ToList();
        foreach (var batch in batches)
        {
            if (deleteClips)
            {
                // Through the archive: in batches of rows behind the purge fence, with the counters.
                var deleted = await archive.DeleteAsync(guildId, db.Clips.Where(c => batch.Contains(c.AuthorId)), ClipDeleteBatch, cancellationToken);
                clips += deleted.Clips;
                files += deleted.Files;
            }

            removed += await db.GuildMembers.Where(m => m.GuildId == guildId && batch.Contains(m.UserId)).ExecuteDeleteAsync(cancellationToken);
            if (batch != batches[^1])
            {
                await Task.Delay(opts.DelayBetweenBatches, clock, cancellationToken);
            }
        }

        return (removed, clips, files);
    }

    /// <summary>
    /// Discord answers the member list with 403 Missing Access both when the bot is no longer in the guild and when the
    /// Server Members intent is off, and 404 Unknown Guild when the guild is gone: asks Discord which it is, so that the
    /// report names the real cause. Anything else keeps Discord's own answer.
    /// </summary>
    private async Task<string> ExplainAsync(long guildId, DiscordApiException refused, CancellationToken cancellationToken)
    {
        if (refused.Status is not (System.Net.HttpStatusCode.Forbidden or System.Net.HttpStatusCode.NotFound))
        {
            return refused.Message;
        }

        try
        {
            bool present;
            try
            {
                present = refused.Status != System.Net.HttpStatusCode.NotFound
                    && await discord.TryGetGuildAsync(Snowflake.FromInt64(guildId), cancellationToken) is not null;
            }
            catch (DiscordApiException e) when (e.IsAccessLost)
            {
                present = false;
            }

            if (!present)
            {
                return BotNotInGuildMessage;
            }

            var application = await discord.GetCurrentApplicationAsync(cancellationToken);
            return IntentCheck.HasServerMembers(application.Flags) ? refused.Message : MissingIntentMessage;
        }
        catch (Exception e) when (e is DiscordApiException or HttpRequestException or TimeoutException)
        {
            // Discord cannot be asked right now: its first answer is the best account there is.
            return refused.Message;
        }
    }

    /// <summary>Users with no guild membership, no login, no clip, no token, no access record and no opt-out are forgotten.</summary>
    private async Task<long> RemoveLoneUsersAsync(CancellationToken cancellationToken) =>
        await db.Users.Where(u => u.LastLoginAt == null && u.OptedOutAt == null
                && !db.GuildMembers.Any(m => m.UserId == u.Id)
                && !db.Clips.Any(c => c.AuthorId == u.Id)
                && !db.UserGuildAccess.Any(a => a.UserId == u.Id)
                && !db.ApiTokens.Any(t => t.UserId == u.Id)
                && !db.InstallIntents.Any(i => i.UserId == u.Id))
            .ExecuteDeleteAsync(cancellationToken);

    [LoggerMessage(LogLevel.Information, "Member cleanup: another run is active; this one skips.")]
    private static partial void LogSkipped(ILogger logger);

    [LoggerMessage(LogLevel.Warning, "Member cleanup failed for guild {GuildId}; the other guilds go on.")]
    private static partial void LogGuildFailed(ILogger logger, Exception e, long guildId);
}

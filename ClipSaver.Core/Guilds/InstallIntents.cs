namespace ClipSaver.Core.Guilds;

public sealed class InstallOptions
{
    public const string Section = "ClipSaver:Install";

    /// <summary>How long an "add the bot" link stays valid.</summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan IntentLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Permissions asked for when adding the bot: VIEW_CHANNEL (1&lt;&lt;10) to see the channels and READ_MESSAGE_HISTORY
    /// (1&lt;&lt;16) to read past messages. Nothing that writes. See docs/decisions/005-bot-permissions.md.
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(long), "0", "9223372036854775807")]
    public long BotPermissions { get; set; } = (1L << 10) | (1L << 16);
}

public enum InstallIntentOutcome
{
    Accepted,
    Unknown,
    AlreadyUsed,
    Expired,
    WrongUser,
}

/// <summary>
/// The <c>state</c> of an "add the bot" flow: random, bound to the user who started it, valid for minutes, and
/// accepted once (a compare-and-set on <c>used_at</c>, so two callbacks with the same state cannot both pass).
/// </summary>
public sealed class InstallIntents(ClipSaverDbContext db, IOptions<InstallOptions> options, TimeProvider clock)
{
    public async Task<string> CreateAsync(long userId, long? guildId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var state = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        db.InstallIntents.Add(new InstallIntent
        {
            State = state,
            UserId = userId,
            GuildId = guildId,
            CreatedAt = now,
            ExpiresAt = now + options.Value.IntentLifetime,
        });
        await db.SaveChangesAsync(cancellationToken);
        return state;
    }

    public async Task<(InstallIntentOutcome Outcome, long? GuildHint)> ConsumeAsync(string? state, long userId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(state) || state.Length > 100)
        {
            return (InstallIntentOutcome.Unknown, null);
        }

        var now = clock.GetUtcNow();
        var claimed = await db.InstallIntents
            .Where(i => i.State == state && i.UserId == userId && i.UsedAt == null && i.ExpiresAt > now)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.UsedAt, now), cancellationToken);
        var intent = await db.InstallIntents.AsNoTracking().FirstOrDefaultAsync(i => i.State == state, cancellationToken);
        if (claimed == 1)
        {
            return (InstallIntentOutcome.Accepted, intent!.GuildId);
        }

        return intent switch
        {
            null => (InstallIntentOutcome.Unknown, null),
            { } i when i.UserId != userId => (InstallIntentOutcome.WrongUser, null),
            { UsedAt: not null } => (InstallIntentOutcome.AlreadyUsed, null),
            _ => (InstallIntentOutcome.Expired, null),
        };
    }
}

namespace ClipSaver.Core.Purging;

/// <summary>
/// What a purge covers and how it is confirmed (this file also holds the narrower purges' <see cref="PurgeFilter"/>
/// and the <see cref="PurgePreview"/> counts, the other two parts of "what a purge covers"). A channel purge covers the channel and its threads: threads are archived
/// because their channel is, and an owner who purges a channel expects its archive, threads included, to be gone
/// (docs/decisions/006-purge-fence.md). A thread purged on its own covers just the thread.
/// </summary>
public static class PurgeScopes
{
    /// <summary>The channel first, then its threads (known to ClipSaver, deleted on Discord or not).</summary>
    public static async Task<long[]> ChannelIdsAsync(ClipSaverDbContext db, long guildId, long channelId, CancellationToken cancellationToken)
    {
        var threads = await db.Channels
            .Where(c => c.GuildId == guildId && c.IsThread && c.ParentId == channelId && c.Id != channelId)
            .OrderBy(c => c.Id).Select(c => c.Id).ToListAsync(cancellationToken);
        return [channelId, .. threads];
    }

    /// <summary>
    /// A scope an owner may ask for, with a channel exactly when the scope is a channel. A member's deletion of their
    /// own clips (<see cref="PurgeScope.Author"/>) is not one: it has its own use case (<c>OwnData/DeleteOwnClips</c>).
    /// </summary>
    public static bool IsWellFormed(PurgeScope scope, long? channelId) =>
        Enum.IsDefined(scope) && scope != PurgeScope.Author && (scope == PurgeScope.Channel) == channelId.HasValue;

    /// <summary>For use cases: their callers bind and check the input, so a malformed scope here is a bug.</summary>
    public static void EnsureWellFormed(PurgeScope scope, long? channelId)
    {
        if (!IsWellFormed(scope, channelId))
        {
            throw new ArgumentException("A channel purge needs a channel, and only a channel purge takes one.", nameof(channelId));
        }
    }

    /// <summary>The purge's name in sentences, audit events and the danger zone's list; a narrower purge says what it takes.</summary>
    public static string Describe(PurgeScope scope, string? channelName, PurgeFilter? filter = null) => filter is { IsNarrow: true } f
        ? scope == PurgeScope.Channel ? $"Purge of {f.Describe()} in #{channelName}" : $"Purge of {f.Describe()} in all channels"
        : scope switch
        {
            PurgeScope.Channel => $"Purge of channel #{channelName}",
            PurgeScope.AllChannels => "Purge of all channels",
            PurgeScope.Author => "Deletion of a member's own clips",
            _ => "Purge of the whole server",
        };

    /// <summary>What the owner types to confirm the whole-channels purge. Phrases are compared exactly (ordinal, case-sensitive).</summary>
    public const string AllChannelsPhrase = "DELETE ALL CHANNELS";
    public const string GuildPhrase = "DELETE SERVER";

    /// <summary>The whole-server phrase of earlier versions, still accepted so that scripts keep working.</summary>
    public const string GuildFormerPhrase = "DELETE GUILD";

    /// <summary>What the owner types to confirm a purge of <paramref name="scope"/>: a channel's name, or a fixed phrase.</summary>
    public static string Phrase(PurgeScope scope, string? channelName) => scope switch
    {
        PurgeScope.Channel => channelName ?? throw new ArgumentNullException(nameof(channelName)),
        PurgeScope.AllChannels => AllChannelsPhrase,
        PurgeScope.Guild => GuildPhrase,
        _ => throw new ArgumentOutOfRangeException(nameof(scope)),
    };

    public static bool PhraseMatches(string expected, string? typed) =>
        string.Equals(expected, typed, StringComparison.Ordinal)
        || (expected == GuildPhrase && string.Equals(GuildFormerPhrase, typed, StringComparison.Ordinal));
}

/// <summary>
/// What a narrower purge of a channel or of all channels keeps out of its scope: with <see cref="OlderThan"/> only clips
/// posted before that day (UTC) go, with <see cref="FailedOnly"/> only clips whose file could not be archived (a skip
/// reason: too large, gone from Discord). Neither: the whole scope. One of them at a time, never for the whole server
/// (docs/decisions/021-narrower-purges.md).
/// </summary>
public sealed record PurgeFilter(DateOnly? OlderThan, bool FailedOnly)
{
    public static readonly PurgeFilter None = new(null, false);

    /// <summary>The API's and the form's spelling of a day.</summary>
    public const string DateFormat = "yyyy-MM-dd";

    public bool IsNarrow => OlderThan is not null || FailedOnly;

    /// <summary>The first instant a clip is kept at: the start of <see cref="OlderThan"/>, UTC.</summary>
    public DateTimeOffset? PostedBefore => OlderThan is { } d ? new DateTimeOffset(d.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : null;

    public static PurgeFilter Of(PurgeRun run) => new(run.OlderThan, run.FailedOnly);

    /// <summary>A day as the API and the date input send it (<c>2026-01-01</c>); false for anything else.</summary>
    public static bool TryParseDate(string? text, out DateOnly date) =>
        DateOnly.TryParseExact(text, DateFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out date);

    /// <summary>
    /// The options as a form or a body sends them (no day, or one written <see cref="DateFormat"/>); null when the day
    /// cannot be read. An empty day is not "no day": a request that meant to narrow a purge never becomes a whole one.
    /// </summary>
    public static PurgeFilter? Read(string? olderThan, bool? failedOnly)
    {
        if (olderThan is null)
        {
            return new PurgeFilter(null, failedOnly ?? false);
        }

        return TryParseDate(olderThan, out var date) ? new PurgeFilter(date, failedOnly ?? false) : null;
    }

    /// <summary>The clips of <paramref name="clips"/> this filter keeps in the purge.</summary>
    public IQueryable<Clip> Apply(IQueryable<Clip> clips)
    {
        if (PostedBefore is { } before)
        {
            clips = clips.Where(c => c.PostedAt < before);
        }

        return FailedOnly ? clips.Where(c => c.SkipReason != null) : clips;
    }

    /// <summary>Why this filter cannot go with <paramref name="scope"/> today, in a sentence; null when it can.</summary>
    public string? Refusal(PurgeScope scope, DateOnly today)
    {
        if (!IsNarrow)
        {
            return null;
        }

        if (OlderThan is not null && FailedOnly)
        {
            return "Choose one: clips older than a date, or failed downloads only, not both.";
        }

        if (scope is not (PurgeScope.Channel or PurgeScope.AllChannels))
        {
            return "Only a purge of a channel or of all channels can be narrowed to older clips or failed downloads.";
        }

        return OlderThan > today ? $"The date {OlderThan.Value.ToString(DateFormat, CultureInfo.InvariantCulture)} is in the future: choose today or an earlier day." : null;
    }

    /// <summary>The use cases' check, after the owner's: a refusal when this filter cannot go with <paramref name="scope"/> now.</summary>
    internal PurgeResult.BadFilter? Check(PurgeScope scope, TimeProvider clock) =>
        Refusal(scope, DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime)) is { } why ? new PurgeResult.BadFilter(why) : null;

    /// <summary>What goes, for people: "clips posted before 1 Jan 2026", "failed downloads", "clips".</summary>
    public string Describe() => OlderThan is { } d
        ? $"clips posted before {Display.Day(d)}"
        : FailedOnly ? "failed downloads" : "clips";
}

/// <summary>What a purge would delete, counted when asked (never on an ordinary page view).</summary>
public sealed record PurgePreview(long Clips, long Files, long Bytes, long ScanRuns, long Members, long Channels)
{
    /// <summary>
    /// The clips a purge of this scope deletes: the one query the preview counts and the clip list (CSV) lists. A
    /// channel's threads are part of its purge (<see cref="PurgeScopes"/>); a narrower purge takes only the clips its
    /// <paramref name="filter"/> keeps (the job deletes exactly these, <see cref="NarrowPurgeSteps"/>).
    /// </summary>
    public static IQueryable<Clip> ClipsOf(ClipSaverDbContext db, long guildId, PurgeScope scope, long? channelId, PurgeFilter? filter = null) =>
        (filter ?? PurgeFilter.None).Apply(scope == PurgeScope.Channel
            ? db.Clips.Where(c => c.GuildId == guildId
                && (c.ChannelId == channelId || db.Channels.Any(t => t.Id == c.ChannelId && t.GuildId == guildId && t.IsThread && t.ParentId == channelId)))
            : db.Clips.Where(c => c.GuildId == guildId));

    /// <summary>The counts stored with a purge run when it was requested (<c>PreviewJson</c>); null for a run without them.</summary>
    public static PurgePreview? Parse(string? json) =>
        string.IsNullOrEmpty(json) ? null : JsonSerializer.Deserialize<PurgePreview>(json, JsonSerializerOptions.Web);

    /// <summary>What the scope holds; for a narrower purge (<paramref name="filter"/>) only its clips, and no scan records (they stay).</summary>
    public static async Task<PurgePreview> CountAsync(ClipSaverDbContext db, long guildId, PurgeScope scope, long? channelId, CancellationToken cancellationToken, PurgeFilter? filter = null)
    {
        var channelIds = scope == PurgeScope.Channel ? await PurgeScopes.ChannelIdsAsync(db, guildId, channelId!.Value, cancellationToken) : [];
        var totals = await ClipsOf(db, guildId, scope, channelId, filter)
            .GroupBy(_ => 1)
            .Select(g => new { Count = g.LongCount(), Files = g.LongCount(c => c.StorageKey != null), Bytes = g.Sum(c => c.StorageKey != null ? c.SizeBytes : 0) })
            .FirstOrDefaultAsync(cancellationToken);
        var scans = filter is { IsNarrow: true } ? 0 : scope == PurgeScope.Channel
            ? await db.ScanRuns.LongCountAsync(r => channelIds.Contains(r.ChannelId) && r.GuildId == guildId, cancellationToken)
            : await db.ScanRuns.LongCountAsync(r => r.GuildId == guildId, cancellationToken);
        var members = scope == PurgeScope.Guild ? await db.GuildMembers.LongCountAsync(m => m.GuildId == guildId, cancellationToken) : 0;
        var channels = scope == PurgeScope.Channel ? channelIds.Length : await db.Channels.LongCountAsync(c => c.GuildId == guildId, cancellationToken);
        return new PurgePreview(totals?.Count ?? 0, totals?.Files ?? 0, totals?.Bytes ?? 0, scans, members, channels);
    }
}

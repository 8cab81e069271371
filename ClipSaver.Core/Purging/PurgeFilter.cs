using System.Globalization;

namespace ClipSaver.Core.Purging;

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

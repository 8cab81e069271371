namespace ClipSaver.Web.Pages.Guilds;

/// <summary>How the danger zone's purge form says which purge it asks for.</summary>
public static class PurgeForm
{
    /// <summary>
    /// The purge a posted form asks for; null (with a sentence when there is one to say) when it cannot be told. The
    /// preview's form names the kind (<paramref name="what"/>); a form without it is read from its fields, and a field
    /// sent empty counts as sent. Model binding turns an empty <c>olderThan=</c> into null, which would otherwise read as
    /// "no day": a form that asks for a narrower purge never becomes a whole one (docs/decisions/021-narrower-purges.md).
    /// </summary>
    public static PurgeFilter? ReadKind(IFormCollection form, string? what, string? olderThan, bool? failedOnly, out string? why)
    {
        why = null;
        const string noDay = "Nothing was deleted: “only clips posted before a day” needs a day (written yyyy-MM-dd, like 2026-01-01). Choose one and try again.";
        switch (what)
        {
            case "all":
                // The date input is sent even when "Everything" is chosen, empty; a day or "failed only" beside it is two answers.
                return olderThan is null && failedOnly is null or false ? PurgeFilter.None : null;
            case "older":
                if (!PurgeFilter.TryParseDate(olderThan, out var day))
                {
                    why = noDay;
                    return null;
                }

                return new PurgeFilter(day, failedOnly ?? false);
            case "failed":
                return failedOnly is null or true ? PurgeFilter.Read(olderThan, true) : null;
            case null:
                if (form.ContainsKey("olderThan") && olderThan is null)
                {
                    why = noDay;
                    return null;
                }

                return form.ContainsKey("failedOnly") && failedOnly is null ? null : PurgeFilter.Read(olderThan, failedOnly);
            default:
                return null;
        }
    }
}

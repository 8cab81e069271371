namespace ClipSaver.Web.Apis;

/// <summary>
/// A purge use case's refusal over HTTP, one status code for each whether the danger zone (a sentence) or the API
/// (a ProblemDetails) answers; the Retry-After of a cooldown; the API's spelling of scopes.
/// </summary>
public static class PurgeResults
{
    public static int StatusCode(PurgeResult refusal) => refusal switch
    {
        PurgeResult.NotFound => StatusCodes.Status404NotFound,
        PurgeResult.NotOwner => StatusCodes.Status403Forbidden,
        PurgeResult.WrongPhrase => StatusCodes.Status400BadRequest,
        PurgeResult.BadFilter => StatusCodes.Status422UnprocessableEntity,
        PurgeResult.CoolingDown => StatusCodes.Status429TooManyRequests,
        PurgeResult.Conflict or PurgeResult.TooLate => StatusCodes.Status409Conflict,
        _ => throw new ArgumentOutOfRangeException(nameof(refusal), refusal, "Not a refusal."),
    };

    /// <summary>Sets the status code of a refusal, and Retry-After for a cooldown (the API and the page alike).</summary>
    public static void Apply(HttpResponse response, PurgeResult refusal, DateTimeOffset now)
    {
        response.StatusCode = StatusCode(refusal);
        if (refusal is PurgeResult.CoolingDown c)
        {
            response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling((c.AllowedAt - now).TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }
    }

    /// <summary>The API's answer to a refusal; for a cooldown Retry-After is set on <paramref name="http"/>'s response.</summary>
    public static ProblemHttpResult Problem(HttpContext http, PurgeResult refusal, DateTimeOffset now)
    {
        Apply(http.Response, refusal, now);
        var status = StatusCode(refusal);
        return refusal switch
        {
            PurgeResult.NotFound n => ApiSetup.Unknown(n.What),
            PurgeResult.NotOwner => TypedResults.Problem(statusCode: status, title: "Only the server's owner can purge."),
            PurgeResult.BadFilter b => TypedResults.Problem(statusCode: status, title: "These purge options are not possible.", detail: $"Nothing was deleted. {b.Reason}"),
            PurgeResult.WrongPhrase w => TypedResults.Problem(statusCode: status, title: "Wrong confirmation phrase.", detail: $"Nothing was deleted. Send {{\"confirm\": \"{w.Expected}\"}} exactly (case-sensitive)."),
            PurgeResult.CoolingDown c => TypedResults.Problem(
                statusCode: status,
                title: "Purged less than 24 hours ago.",
                detail: $"Nothing was deleted. This scope may be purged again at {c.AllowedAt.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}.",
                extensions: new Dictionary<string, object?> { ["allowedAt"] = c.AllowedAt }),
            PurgeResult.Conflict c => TypedResults.Problem(statusCode: status, title: "Conflicting purge.", detail: c.Reason),
            _ => TypedResults.Problem(statusCode: status, title: "Too late to cancel.", detail: "This purge has already started or ended."),
        };
    }

    /// <summary>
    /// A scope as the API spells it: <c>channel</c>, <c>all_channels</c>, <c>guild</c>, as stored and as the API's JSON
    /// writes <see cref="PurgeScope"/> (docs/decisions/009-api.md). <c>all</c>, the API's first spelling, is still read.
    /// </summary>
    public static bool TryParseScope(string? text, out PurgeScope scope)
    {
        if (text == "all")
        {
            scope = PurgeScope.AllChannels;
            return true;
        }

        return SnakeCaseNames.TryParse(text, out scope);
    }
}

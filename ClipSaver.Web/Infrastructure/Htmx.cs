namespace ClipSaver.Web.Infrastructure;

/// <summary>
/// htmx conventions in one place: a fragment only for a non-boosted htmx request (a boosted or history-restore
/// request gets the whole page), and the antiforgery header that site.js sends with every htmx request.
/// </summary>
public static class Htmx
{
    public const string AntiforgeryHeader = "RequestVerificationToken";

    public static bool WantsFragment(this HttpRequest request) =>
        request.Headers["HX-Request"] == "true"
        && request.Headers["HX-Boosted"] != "true"
        && request.Headers["HX-History-Restore-Request"] != "true";

    /// <summary>Marks the response as varying on HX-Request, so caches never mix a fragment with a page.</summary>
    public static void VaryOnHtmx(this HttpResponse response) => response.Headers.Append("Vary", "HX-Request");
}

namespace ClipSaver.Web.Infrastructure;

/// <summary>
/// How a clip's thumbnail goes out, the same from the pages and the API: a thumbnail never changes once made, so it is
/// cached privately (it is behind the access check) for a year, with its entity tag for a 304 (decision 020).
/// </summary>
public static class ThumbnailHttp
{
    public const string CacheControl = "private, max-age=31536000, immutable";

    /// <summary>The request's If-None-Match, or null.</summary>
    public static string? IfNoneMatch(HttpRequest request) => request.Headers.IfNoneMatch.Count > 0 ? request.Headers.IfNoneMatch.ToString() : null;

    /// <summary>For a page handler: the picture, a 304, or a plain 404.</summary>
    public static IActionResult ToActionResult(ThumbnailResult result, HttpResponse response) => result switch
    {
        ThumbnailResult.Found f => Cached(response, f.ETag, new FileStreamResult(f.Content, ThumbnailMaker.ContentType)),
        ThumbnailResult.NotModified n => Cached(response, n.ETag, new StatusCodeResult(StatusCodes.Status304NotModified)),
        _ => new NotFoundResult(),
    };

    /// <summary>For an API endpoint: the picture, a 304, or the problem for what was not found.</summary>
    public static Results<FileStreamHttpResult, StatusCodeHttpResult, ProblemHttpResult> ToApiResult(ThumbnailResult result, HttpResponse response, Func<string, ProblemHttpResult> unknown) => result switch
    {
        ThumbnailResult.Found f => Cached(response, f.ETag, TypedResults.Stream(f.Content, ThumbnailMaker.ContentType)),
        ThumbnailResult.NotModified n => Cached(response, n.ETag, TypedResults.StatusCode(StatusCodes.Status304NotModified)),
        ThumbnailResult.NotFound n => unknown(n.What),
        _ => throw new InvalidOperationException("Unknown thumbnail result."),
    };

    private static T Cached<T>(HttpResponse response, string etag, T result)
    {
        response.Headers.CacheControl = CacheControl;
        response.Headers.ETag = etag;
        return result;
    }
}

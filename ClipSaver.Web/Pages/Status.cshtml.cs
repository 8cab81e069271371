namespace ClipSaver.Web.Pages;

/// <summary>
/// The page shown for 4xx answers of pages (re-executed by the status-code middleware). A refused form post is
/// re-executed here as a POST, so it answers posts too, without an antiforgery check (it changes nothing, and a post
/// refused for its token must still get this page).
/// </summary>
[IgnoreAntiforgeryToken]
public sealed class StatusModel : PageModel
{
    public void OnPost(int code) => OnGet(code);

    public string Title { get; private set; } = "";
    public string Explanation { get; private set; } = "";

    public void OnGet(int code)
    {
        (Title, Explanation) = code switch
        {
            404 => ("Not found", "There is nothing here, or you do not have access to it."),
            403 => ("Not allowed", "You are signed in, but this page is not open to your account."),
            400 => ("Bad request", "The request was not understood. Nothing was changed."),
            429 => ("Too many requests", "Please wait a moment and try again."),
            _ => ("Something went wrong", $"The request ended with status {code}."),
        };
    }
}

namespace ClipSaver.Web.Pages;

public sealed class IndexModel : PageModel
{
    public void OnGet()
    {
    }
}

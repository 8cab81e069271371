using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ClipSaver.Web.Pages;

public sealed class IndexModel : PageModel
{
    public void OnGet()
    {
    }
}

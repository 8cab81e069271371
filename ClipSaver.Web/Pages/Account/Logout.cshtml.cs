using Microsoft.AspNetCore.Authentication.Cookies;

namespace ClipSaver.Web.Pages.Account;

/// <summary>Logout is a POST with an antiforgery token (Razor Pages validate it), never a link.</summary>
public sealed class LogoutModel : PageModel
{
    public IActionResult OnGet() => NotFound();

    public async Task<IActionResult> OnPostAsync()
    {
        await HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return LocalRedirect("/");
    }
}

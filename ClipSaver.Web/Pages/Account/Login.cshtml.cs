namespace ClipSaver.Web.Pages.Account;

public sealed class LoginModel : PageModel
{
    public string ReturnUrl { get; private set; } = "/guilds";

    /// <summary>Signed-out visitors who follow "Log in" go straight to Discord; the page itself is a fallback.</summary>
    public IActionResult OnGet(string? returnUrl)
    {
        ReturnUrl = SafeReturnUrl(returnUrl);
        return User.Identity?.IsAuthenticated == true ? LocalRedirect(ReturnUrl) : OnGetStart(returnUrl);
    }

    public IActionResult OnGetStart(string? returnUrl) =>
        Challenge(new AuthenticationProperties { RedirectUri = SafeReturnUrl(returnUrl) }, DiscordLogin.Scheme);

    private string SafeReturnUrl(string? returnUrl) =>
        !string.IsNullOrEmpty(returnUrl) && Url.IsLocalUrl(returnUrl) ? returnUrl : "/guilds";
}

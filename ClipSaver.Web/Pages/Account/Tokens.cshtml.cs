namespace ClipSaver.Web.Pages.Account;

/// <summary>
/// Personal API tokens: create (shown once), list, revoke after a confirmation. A create answers with a redirect
/// (post/redirect/get), the new token riding along once in TempData, so a reload never makes a second token.
/// </summary>
[Authorize]
public sealed class TokensModel(ClipSaverDbContext db, ApiTokens tokens, TimeProvider clock) : PageModel
{
    public sealed record TokenRow(long Id, string Name, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt);

    public IReadOnlyList<TokenRow> Tokens { get; private set; } = [];

    /// <summary>The new token, shown once, right after it was created.</summary>
    public string? NewToken { get; private set; }

    public string? Error { get; private set; }

    /// <summary>The token the user asked to revoke, awaiting the confirmation.</summary>
    public TokenRow? ToRevoke { get; private set; }

    public async Task OnGetAsync(long? revoke, CancellationToken cancellationToken)
    {
        NewToken = TempData["NewToken"] as string;
        await LoadAsync(cancellationToken);
        ToRevoke = Tokens.FirstOrDefault(t => t.Id == revoke && t.RevokedAt is null);
    }

    public async Task<IActionResult> OnPostCreateAsync(string? name, int? days, CancellationToken cancellationToken)
    {
        var userId = User.DiscordUserId()!.Value;
        if (string.IsNullOrWhiteSpace(name) || name.Trim().Length > 100)
        {
            Error = "Give the token a name of 1 to 100 characters, so that you can tell it apart later.";
        }
        else if (days is < 1 or > 3650)
        {
            Error = "A token lasts from 1 to 3650 days, or leave the field empty for no expiry.";
        }

        if (Error is not null)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            await LoadAsync(cancellationToken);
            return Page();
        }

        var created = await tokens.CreateAsync(userId, name!, days is { } d ? clock.GetUtcNow().AddDays(d) : null, cancellationToken);
        TempData["NewToken"] = created.Token;
        return Redirect("/account/tokens");
    }

    public async Task<IActionResult> OnPostRevokeAsync(long tokenId, CancellationToken cancellationToken)
    {
        if (!await tokens.RevokeAsync(User.DiscordUserId()!.Value, tokenId, cancellationToken))
        {
            return NotFound();
        }

        return Redirect("/account/tokens");
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var userId = User.DiscordUserId()!.Value;
        Tokens = await db.ApiTokens.AsNoTracking().Where(t => t.UserId == userId).OrderByDescending(t => t.CreatedAt)
            .Select(t => new TokenRow(t.Id, t.Name, t.Prefix, t.CreatedAt, t.LastUsedAt, t.ExpiresAt, t.RevokedAt))
            .ToListAsync(cancellationToken);
    }
}

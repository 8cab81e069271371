using System.Text;

namespace ClipSaver.Core.Access;

/// <summary>
/// Personal API tokens: <c>cs_</c> and 43 random characters, shown once; only their SHA-256 is stored. A token acts
/// as its user, under the same rules as the dashboard.
/// </summary>
public sealed class ApiTokens(ClipSaverDbContext db, TimeProvider clock)
{
    public const string Scheme = "cs_";

    public sealed record Created(ApiToken Row, string Token);

    public async Task<Created> CreateAsync(long userId, string name, DateTimeOffset? expiresAt, CancellationToken cancellationToken)
    {
        name = name.Trim();
        if (name.Length is 0 or > 100)
        {
            throw new ArgumentException("A token needs a name of 1 to 100 characters.", nameof(name));
        }

        var token = Scheme + Base64Url(RandomNumberGenerator.GetBytes(32));
        var row = new ApiToken
        {
            UserId = userId,
            Name = name,
            Prefix = token[..10],
            TokenHash = Hash(token),
            CreatedAt = clock.GetUtcNow(),
            ExpiresAt = expiresAt,
        };
        db.ApiTokens.Add(row);
        await db.SaveChangesAsync(cancellationToken);
        return new Created(row, token);
    }

    /// <summary>The user a token acts for; null for an unknown, revoked or expired token.</summary>
    public async Task<long?> ValidateAsync(string token, CancellationToken cancellationToken) =>
        (await CheckAsync(token, cancellationToken))?.UserId;

    /// <summary>The user a token acts for and the token's id; null for an unknown, revoked or expired token.</summary>
    public async Task<(long UserId, long TokenId)?> CheckAsync(string token, CancellationToken cancellationToken)
    {
        if (!token.StartsWith(Scheme, StringComparison.Ordinal) || token.Length > 100)
        {
            return null;
        }

        var now = clock.GetUtcNow();
        var hash = Hash(token);
        var row = await db.ApiTokens.AsNoTracking()
            .Where(t => t.TokenHash == hash && t.RevokedAt == null && (t.ExpiresAt == null || t.ExpiresAt > now))
            .Select(t => new { t.Id, t.UserId, t.LastUsedAt })
            .FirstOrDefaultAsync(cancellationToken);
        if (row is null)
        {
            return null;
        }

        // Written at most once a minute per token, so a busy script does not turn every read into a write.
        if (row.LastUsedAt is null || now - row.LastUsedAt > TimeSpan.FromMinutes(1))
        {
            await db.ApiTokens.Where(t => t.Id == row.Id).ExecuteUpdateAsync(s => s.SetProperty(t => t.LastUsedAt, now), cancellationToken);
        }

        return (row.UserId, row.Id);
    }

    public async Task<bool> RevokeAsync(long userId, long tokenId, CancellationToken cancellationToken) =>
        await db.ApiTokens.Where(t => t.Id == tokenId && t.UserId == userId && t.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.RevokedAt, clock.GetUtcNow()), cancellationToken) == 1;

    private static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

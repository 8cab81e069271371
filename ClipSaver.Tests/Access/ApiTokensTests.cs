namespace ClipSaver.Tests.Access;

public sealed class ApiTokensTests : DatabaseTestBase
{
    private long _userId;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _userId = await AddUserAsync("scripter");
    }

    [Fact]
    public async Task A_token_is_shown_once_stored_only_as_its_hash_and_acts_as_its_user()
    {
        await using var context = Db.CreateContext();
        var tokens = new ApiTokens(context, Clock);

        var created = await tokens.CreateAsync(_userId, "backup script", null, CancellationToken.None);

        Assert.StartsWith("cs_", created.Token, StringComparison.Ordinal);
        Assert.True(created.Token.Length >= 40);
        var row = await context.ApiTokens.AsNoTracking().SingleAsync();
        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(created.Token)), row.TokenHash);
        Assert.Equal(created.Token[..10], row.Prefix);
        Assert.DoesNotContain(created.Token, await context.Database.SqlQuery<string>($"SELECT row_to_json(t)::text AS \"Value\" FROM api_tokens t").SingleAsync(), StringComparison.Ordinal);
        Assert.Equal(_userId, await tokens.ValidateAsync(created.Token, CancellationToken.None));
    }

    [Fact]
    public async Task Revoked_expired_unknown_and_malformed_tokens_are_refused()
    {
        await using var context = Db.CreateContext();
        var tokens = new ApiTokens(context, Clock);
        var revoked = await tokens.CreateAsync(_userId, "old", null, CancellationToken.None);
        var expiring = await tokens.CreateAsync(_userId, "short", Clock.GetUtcNow().AddDays(1), CancellationToken.None);

        Assert.True(await tokens.RevokeAsync(_userId, revoked.Row.Id, CancellationToken.None));
        Assert.Null(await tokens.ValidateAsync(revoked.Token, CancellationToken.None));

        Assert.Equal(_userId, await tokens.ValidateAsync(expiring.Token, CancellationToken.None));
        Clock.Advance(TimeSpan.FromDays(1));
        Assert.Null(await tokens.ValidateAsync(expiring.Token, CancellationToken.None));

        Assert.Null(await tokens.ValidateAsync("cs_" + new string('a', 43), CancellationToken.None));
        Assert.Null(await tokens.ValidateAsync("not-a-token", CancellationToken.None));
    }

    [Fact]
    public async Task A_user_cannot_revoke_someone_elses_token_and_a_name_is_required()
    {
        await using var context = Db.CreateContext();
        var tokens = new ApiTokens(context, Clock);
        var created = await tokens.CreateAsync(_userId, "mine", null, CancellationToken.None);

        Assert.False(await tokens.RevokeAsync(_userId + 1, created.Row.Id, CancellationToken.None));
        Assert.Equal(_userId, await tokens.ValidateAsync(created.Token, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => tokens.CreateAsync(_userId, "  ", null, CancellationToken.None));
    }
}

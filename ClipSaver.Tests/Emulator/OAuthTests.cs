namespace ClipSaver.Tests.Emulator;

public sealed class OAuthTests
{
    private static Dictionary<string, string> CodeGrant(EmulatorTestHost emulator, string code, string? verifier, bool withSecret = true) => new()
    {
        ["grant_type"] = "authorization_code",
        ["code"] = code,
        ["redirect_uri"] = OAuthFlow.RedirectUri,
        ["code_verifier"] = verifier ?? "",
        ["client_id"] = emulator.Options.ClientId,
        ["client_secret"] = withSecret ? emulator.Options.ClientSecret : "wrong",
    };

    [Fact]
    public async Task The_consent_page_lists_the_demo_users_first_as_form_buttons_and_keeps_the_state()
    {
        await using var emulator = await EmulatorTestHost.StartAsync();
        using var http = new HttpClient();
        var query = string.Join('&', OAuthFlow.LoginParameters(emulator.Host, "state-123", "abc").Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value)}"));
        using var page = await http.GetAsync($"{emulator.Host.AuthorizeUrl}?{query}");
        var html = await page.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("default-src 'none'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        var owner = html.IndexOf("Sign in as demo-owner", StringComparison.Ordinal);
        Assert.True(owner > 0 && owner < html.IndexOf("Sign in as demo-manager", StringComparison.Ordinal) && html.IndexOf("Sign in as demo-member", StringComparison.Ordinal) < html.IndexOf("Sign in as user-", StringComparison.Ordinal));
        Assert.Contains("value=\"state-123\"", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("client_id=999&redirect_uri=http%3A%2F%2Flocalhost%2Fcb&response_type=code&scope=identify", 400, null)]
    [InlineData("client_id=100000000000000001&redirect_uri=https%3A%2F%2Fevil.example%2Fcb&response_type=code&scope=identify", 400, null)]
    [InlineData("client_id=100000000000000001&redirect_uri=http%3A%2F%2Flocalhost%2Fcb&response_type=token&scope=identify&state=s", 302, "unsupported_response_type")]
    [InlineData("client_id=100000000000000001&redirect_uri=http%3A%2F%2Flocalhost%2Fcb&response_type=code&scope=launch_missiles&state=s", 302, "invalid_scope")]
    [InlineData("client_id=100000000000000001&redirect_uri=http%3A%2F%2Flocalhost%2Fcb&response_type=code&scope=identify&state=s&code_challenge=x&code_challenge_method=plain", 302, "invalid_request")]
    public async Task Bad_authorize_requests_show_a_page_or_redirect_with_an_error(string query, int status, string? error)
    {
        await using var emulator = await EmulatorTestHost.StartAsync();
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        using var response = await http.GetAsync($"{emulator.Host.AuthorizeUrl}?{query}");
        Assert.Equal(status, (int)response.StatusCode);
        if (error is not null)
        {
            var back = OAuthFlow.Query(response.Headers.Location!);
            Assert.Equal(error, back["error"]);
            Assert.Equal("s", back["state"]);
            Assert.StartsWith("http://localhost/cb?", response.Headers.Location!.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_code_is_exchanged_once_with_the_right_secret_and_verifier_and_the_token_refreshes()
    {
        await using var emulator = await EmulatorTestHost.StartAsync();
        var (verifier, challenge) = OAuthFlow.NewPkce();
        var back = await OAuthFlow.ConsentAsync(emulator.Host, DemoUsers.Manager, OAuthFlow.LoginParameters(emulator.Host, "st", challenge));
        Assert.Equal("st", back["state"]);

        using var wrongSecret = await OAuthFlow.TokenAsync(emulator.Host, CodeGrant(emulator, back["code"], verifier, withSecret: false));
        Assert.Equal(HttpStatusCode.Unauthorized, wrongSecret.StatusCode);
        Assert.Equal("invalid_client", (await EmulatorTestHost.JsonAsync(wrongSecret)).GetProperty("error").GetString());

        // The refused attempt did not use the code up (client authentication comes first); Basic auth works too.
        var form = CodeGrant(emulator, back["code"], verifier);
        form.Remove("client_id");
        form.Remove("client_secret");
        using var ok = await OAuthFlow.TokenAsync(emulator.Host, form, $"{emulator.Options.ClientId}:{emulator.Options.ClientSecret}");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var tokens = await EmulatorTestHost.JsonAsync(ok);
        Assert.Equal("identify guilds", tokens.GetProperty("scope").GetString());

        using var again = await OAuthFlow.TokenAsync(emulator.Host, CodeGrant(emulator, back["code"], verifier));
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
        Assert.Equal("invalid_grant", (await EmulatorTestHost.JsonAsync(again)).GetProperty("error").GetString());

        using var user = emulator.NewClient($"Bearer {tokens.GetProperty("access_token").GetString()}");
        var me = await EmulatorTestHost.JsonAsync(await user.GetAsync("users/@me"));
        Assert.Equal("demo-manager", me.GetProperty("username").GetString());
        var club = (await EmulatorTestHost.JsonAsync(await user.GetAsync("users/@me/guilds"))).EnumerateArray().Single(g => g.GetProperty("name").GetString() == "Clip Club");
        Assert.False(club.GetProperty("owner").GetBoolean());
        Assert.NotEqual(0UL, ulong.Parse(club.GetProperty("permissions").GetString()!, CultureInfo.InvariantCulture) & (1UL << 5));
        Assert.Equal(HttpStatusCode.Unauthorized, (await user.GetAsync($"guilds/{emulator.ClipClub.Id}")).StatusCode);

        using var refreshed = await OAuthFlow.TokenAsync(emulator.Host, new()
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = tokens.GetProperty("refresh_token").GetString()!,
            ["client_id"] = emulator.Options.ClientId,
            ["client_secret"] = emulator.Options.ClientSecret,
        });
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        Assert.NotEqual(tokens.GetProperty("access_token").GetString(), (await EmulatorTestHost.JsonAsync(refreshed)).GetProperty("access_token").GetString());
    }

    [Fact]
    public async Task A_wrong_pkce_verifier_or_redirect_uri_is_an_invalid_grant_and_json_bodies_are_refused()
    {
        await using var emulator = await EmulatorTestHost.StartAsync();
        var (_, challenge) = OAuthFlow.NewPkce();
        var first = await OAuthFlow.ConsentAsync(emulator.Host, DemoUsers.Owner, OAuthFlow.LoginParameters(emulator.Host, "a", challenge));
        using var wrongVerifier = await OAuthFlow.TokenAsync(emulator.Host, CodeGrant(emulator, first["code"], "not-the-verifier"));
        Assert.Equal("invalid_grant", (await EmulatorTestHost.JsonAsync(wrongVerifier)).GetProperty("error").GetString());

        var (verifier, challenge2) = OAuthFlow.NewPkce();
        var second = await OAuthFlow.ConsentAsync(emulator.Host, DemoUsers.Owner, OAuthFlow.LoginParameters(emulator.Host, "b", challenge2));
        var form = CodeGrant(emulator, second["code"], verifier);
        form["redirect_uri"] = "http://localhost:5080/elsewhere";
        using var wrongRedirect = await OAuthFlow.TokenAsync(emulator.Host, form);
        Assert.Equal(HttpStatusCode.BadRequest, wrongRedirect.StatusCode);

        using var http = new HttpClient();
        using var json = await http.PostAsync(emulator.Host.TokenUrl, new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, json.StatusCode);
    }

    [Fact]
    public async Task Installing_the_bot_lets_the_owner_pick_a_guild_it_manages_and_the_bot_joins_it()
    {
        await using var emulator = await EmulatorTestHost.StartAsync();
        var vault = emulator.World.Guilds.Single(g => g.Name == "Speedrun Vault");
        var parameters = new Dictionary<string, string>
        {
            ["client_id"] = emulator.Options.ClientId,
            ["redirect_uri"] = OAuthFlow.RedirectUri,
            ["response_type"] = "code",
            ["scope"] = "bot",
            ["permissions"] = "66560",
            ["guild_id"] = vault.Id.ToString(CultureInfo.InvariantCulture),
            ["disable_guild_select"] = "true",
            ["state"] = "install-1",
        };
        using var http = new HttpClient();
        var html = await http.GetStringAsync($"{emulator.Host.AuthorizeUrl}?{string.Join('&', parameters.Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value)}"))}");
        Assert.Contains("Sign in as demo-owner", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Sign in as demo-member", html, StringComparison.Ordinal);
        Assert.Contains("Speedrun Vault", html, StringComparison.Ordinal);

        Assert.False(emulator.World.BotIsIn(vault.Id));
        var back = await OAuthFlow.ConsentAsync(emulator.Host, DemoUsers.Owner, parameters);
        Assert.Equal("install-1", back["state"]);
        Assert.Equal(vault.Id.ToString(CultureInfo.InvariantCulture), back["guild_id"]);
        Assert.Equal("66560", back["permissions"]);
        Assert.True(back.ContainsKey("code"));
        Assert.True(emulator.World.BotIsIn(vault.Id));
        Assert.Equal(HttpStatusCode.OK, (await emulator.Bot.GetAsync($"guilds/{vault.Id}")).StatusCode);
    }
}

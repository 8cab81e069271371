namespace ClipSaver.Tests.Emulator;

/// <summary>Walks the OAuth2 consent page the way a browser's form post does, without following redirects.</summary>
public static class OAuthFlow
{
    public const string RedirectUri = "http://localhost:5080/signin-discord";

    public static (string Verifier, string Challenge) NewPkce()
    {
        var verifier = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var challenge = Convert.ToBase64String(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return (verifier, challenge);
    }

    /// <summary>Posts the consent form for <paramref name="user"/> and returns the redirect's query parameters.</summary>
    public static async Task<Dictionary<string, string>> ConsentAsync(EmulatorHost host, EmulatedUser user, Dictionary<string, string> parameters)
    {
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = host.BaseAddress };
        var fields = new Dictionary<string, string>(parameters) { ["user_id"] = user.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        using var response = await client.PostAsync("oauth2/authorize", new FormUrlEncodedContent(fields));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return Query(response.Headers.Location!);
    }

    public static Dictionary<string, string> LoginParameters(EmulatorHost host, string state, string? challenge, string scope = "identify guilds") => new()
    {
        ["client_id"] = "100000000000000001",
        ["redirect_uri"] = RedirectUri,
        ["response_type"] = "code",
        ["scope"] = scope,
        ["state"] = state,
        ["code_challenge"] = challenge ?? "",
        ["code_challenge_method"] = "S256",
    };

    public static async Task<HttpResponseMessage> TokenAsync(EmulatorHost host, Dictionary<string, string> form, string? basicAuth = null)
    {
        using var client = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, host.TokenUrl) { Content = new FormUrlEncodedContent(form) };
        request.Headers.UserAgent.ParseAdd("ClipSaver-tests/1.0");
        if (basicAuth is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(basicAuth)));
        }

        return await client.SendAsync(request);
    }

    public static Dictionary<string, string> Query(Uri uri) =>
        uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .ToDictionary(p => p[0], p => Uri.UnescapeDataString(p[1]), StringComparer.Ordinal);
}

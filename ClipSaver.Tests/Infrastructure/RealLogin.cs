using Microsoft.AspNetCore.WebUtilities;

namespace ClipSaver.Tests.Infrastructure;

/// <summary>
/// Signs in through the real flow over HTTP (the app's OAuth handler, the emulator's consent form, the callback) and
/// returns a client that carries the session cookie, as a browser would.
/// </summary>
public static class RealLogin
{
    public static async Task<HttpClient> SignInAsync(string appBaseUrl, ulong discordUserId)
    {
        var handler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() };
        var client = new HttpClient(handler) { BaseAddress = new Uri(appBaseUrl) };

        var start = await client.GetAsync("/login");
        var authorize = start.Headers.Location ?? throw new InvalidOperationException("The app did not send the browser to Discord.");
        var fields = QueryHelpers.ParseQuery(authorize.Query).ToDictionary(p => p.Key, p => p.Value.ToString());
        fields["user_id"] = discordUserId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var consent = await client.PostAsync(new Uri(authorize, "/oauth2/authorize"), new FormUrlEncodedContent(fields));
        var callback = consent.Headers.Location ?? throw new InvalidOperationException($"The consent form answered {(int)consent.StatusCode}.");
        var signedIn = await client.GetAsync(callback);
        if (signedIn.StatusCode != HttpStatusCode.Redirect || signedIn.Headers.Location?.OriginalString == "/login/failed")
        {
            throw new InvalidOperationException($"The login callback answered {(int)signedIn.StatusCode} {signedIn.Headers.Location}.");
        }

        return client;
    }
}

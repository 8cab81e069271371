using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Routing;

namespace ClipSaver.Tests.Foundation;

/// <summary>
/// Every page of the dashboard under a form post it has no handler for (none named, or a name it does not have): a
/// 400 with the app's page that says nothing was changed, never a 500 — with a valid antiforgery token, so that the
/// check that runs is the handler's, not the token's.
/// </summary>
public sealed partial class PagePostTests : AppTestBase
{
    [Fact]
    public async Task A_post_naming_no_handler_of_the_page_is_a_400_on_every_page()
    {
        await ReconcileAsync();
        var guildId = DemoGuild("Clip Club").Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var client = App.CreateClientAs(TestDiscord.Id(DemoUsers.Owner.Id));
        var token = CsrfToken().Match(await client.GetStringAsync("/guilds")).Groups[1].Value;
        Assert.NotEmpty(token);

        var routes = App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Mvc.RazorPages.CompiledPageActionDescriptor>() is not null
                || e.Metadata.OfType<Microsoft.AspNetCore.Mvc.Abstractions.ActionDescriptor>().Any(a => a is PageActionDescriptor))
            .Select(e => e.RoutePattern.RawText ?? "")
            .Where(r => !r.Contains("{code", StringComparison.Ordinal))
            .Select(r => "/" + Regex.Replace(r.TrimStart('/'), @"\{guildId[^}]*\}", guildId))
            .Where(r => !r.Contains('{', StringComparison.Ordinal))
            .Distinct().ToList();
        Assert.Contains($"/guilds/{guildId}/settings", routes);

        var failures = new List<string>();
        foreach (var route in routes)
        {
            foreach (var url in new[] { route, route + "?handler=NoSuchHandler" })
            {
                using var form = new FormUrlEncodedContent([new("__RequestVerificationToken", token), new("confirm", "x")]);
                var response = await client.PostAsync(url, form);
                var body = await response.Content.ReadAsStringAsync();
                if ((int)response.StatusCode >= 500 || body.Contains("Exception", StringComparison.Ordinal))
                {
                    failures.Add($"{url}: {(int)response.StatusCode}");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        var refused = await client.PostAsync("/guilds?handler=NoSuchHandler", new FormUrlEncodedContent([new("__RequestVerificationToken", token)]));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("Nothing was changed", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [GeneratedRegex("<meta name=\"csrf-token\" content=\"([^\"]+)\"")]
    private static partial Regex CsrfToken();
}

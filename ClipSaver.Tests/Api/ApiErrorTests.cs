using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;

namespace ClipSaver.Tests.Api;

/// <summary>
/// The API's errors say what was wrong in a plain sentence and never carry exception details, in Development (where
/// demo mode runs and the developer exception page is on) as in Production. <see cref="ApiWalkTests"/> walks every
/// operation; these pin the sentences and the unhandled-exception case.
/// </summary>
public sealed class ApiErrorTests : AppTestBase
{
    private static readonly string[] ExceptionMarkers = ["   at ", "Exception", ".cs:line", "System.", "Microsoft.", "Boom"];

    private async Task<HttpClient> ClientAsync(string environment, Action<IServiceCollection>? services = null)
    {
        var token = "";
        await RunAsync<ApiTokens>(async t => token = (await t.CreateAsync(TestDiscord.Id(DemoUsers.Owner.Id), "test", null, CancellationToken.None)).Token);
        var app = App.WithWebHostBuilder(b =>
        {
            b.UseEnvironment(environment);
            b.ConfigureTestServices(s => services?.Invoke(s));
        });
        var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await ReconcileAsync();
        await using var db = Db.CreateContext();
        var owner = TestDiscord.Id(DemoUsers.Owner.Id);
        if (!await db.Users.AnyAsync(u => u.Id == owner))
        {
            db.Users.Add(new User { Id = owner, Username = "owner", CreatedAt = DateTimeOffset.UtcNow });
            await db.SaveChangesAsync();
        }
    }

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"{(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain(ExceptionMarkers, m => text.Contains(m, StringComparison.Ordinal));
        return JsonDocument.Parse(text).RootElement;
    }

    [Theory]
    [InlineData("Development")]
    [InlineData("Production")]
    public async Task A_body_field_of_the_wrong_type_is_a_400_that_names_the_field_and_what_it_must_be(string environment)
    {
        var client = await ClientAsync(environment);
        var guildId = DemoGuild("Clip Club").Id;

        var response = await client.PostAsync($"/api/guilds/{guildId}/channels/purge", new StringContent("{\"confirm\":12}", Encoding.UTF8, "application/json"));

        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("The request body is not valid JSON for this operation: 'confirm' must be a string.", problem.GetProperty("detail").GetString());
        await using var db = Db.CreateContext();
        Assert.False(await db.PurgeRuns.AnyAsync());
    }

    [Theory]
    [InlineData("Development", "9223372036854775808")]
    [InlineData("Development", "18446744073709551615")]
    [InlineData("Production", "9223372036854775808")]
    public async Task An_id_past_the_stored_range_is_a_400_like_any_malformed_id(string environment, string id)
    {
        var client = await ClientAsync(environment);

        var problem = await ProblemAsync(await client.GetAsync($"/api/guilds/{id}"), HttpStatusCode.BadRequest);

        Assert.Equal("'guildId' must be a Discord id (digits, from 0 to 9223372036854775807).", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Malformed_JSON_is_a_400_that_says_so()
    {
        var client = await ClientAsync("Development");
        var guildId = DemoGuild("Clip Club").Id;

        var response = await client.PostAsync($"/api/guilds/{guildId}/purge", new StringContent("{\"confirm\": \"DELETE", Encoding.UTF8, "application/json"));

        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("The request body is not valid JSON for this operation: it is not well-formed JSON.", problem.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("Development")]
    [InlineData("Production")]
    public async Task An_unhandled_exception_is_a_plain_500_without_its_details(string environment)
    {
        var client = await ClientAsync(environment, s => s.AddScoped<GuildAccess>(_ =>
            throw new InvalidOperationException("Boom: System.Private.CoreLib at /src/ClipSaver.Core/Access/GuildAccess.cs:line 12")));

        var response = await client.GetAsync($"/api/guilds/{DemoGuild("Clip Club").Id}");

        var problem = await ProblemAsync(response, HttpStatusCode.InternalServerError);
        Assert.Equal("Something went wrong on the server.", problem.GetProperty("title").GetString());
    }
}

using ClipSaver.Web;

namespace ClipSaver.Tests.Access;

/// <summary>The operators' command line: <c>tokens create --user &lt;id&gt; --name &lt;name&gt; [--days n]</c>, as <c>dotnet run</c> starts it.</summary>
public sealed class TokensCommandTests : AppTestBase
{
    /// <summary>The command's own configuration, as "--key=value" arguments, in Development (what <c>dotnet run</c> uses).</summary>
    private string[] Configuration() =>
    [
        "--environment=Development",
        $"--ConnectionStrings:ClipSaver={Db.ConnectionString}",
        "--ClipSaver:Database:MigrateOnStartup=false",
        .. TestDiscord.Settings(Discord).Select(s => $"--{s.Key}={s.Value}"),
    ];

    [Fact]
    public async Task A_token_is_made_for_a_user_looked_up_through_the_bot_and_works_on_the_api_as_that_user()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var user = DemoUsers.Owner.Id.ToString(CultureInfo.InvariantCulture);

        var code = await TokensCommand.RunAsync(["create", "--user", user, "--name", "automation", "--days", "7", .. Configuration()], output, error);

        Assert.True(code == 0, error.ToString());
        var token = output.ToString().Trim();
        Assert.StartsWith("cs_", token, StringComparison.Ordinal);
        await using (var db = Db.CreateContext())
        {
            var stored = await db.Users.SingleAsync(u => u.Id == TestDiscord.Id(DemoUsers.Owner.Id));
            Assert.Equal(DemoUsers.Owner.Username, stored.Username);
            var row = await db.ApiTokens.SingleAsync(t => t.UserId == stored.Id);
            Assert.Equal("automation", row.Name);
            Assert.InRange(row.ExpiresAt!.Value, DateTimeOffset.UtcNow.AddDays(6.9), DateTimeOffset.UtcNow.AddDays(7.1));
        }

        await ReconcileAsync();
        var client = App.CreateClientAs(null);
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        var guilds = await client.GetAsync("/api/guilds");
        Assert.Equal(HttpStatusCode.OK, guilds.StatusCode);
        Assert.Contains("Clip Club", await guilds.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not-a-number", 2, "is not a Discord user id")]
    [InlineData("999999999999999999", 1, "Discord knows no user 999999999999999999")]
    public async Task A_bad_or_unknown_user_is_refused_with_a_clear_message_and_nothing_is_created(string user, int expectedCode, string message)
    {
        var output = new StringWriter();
        var error = new StringWriter();

        var code = await TokensCommand.RunAsync(["create", "--user", user, "--name", "automation", .. Configuration()], output, error);

        Assert.Equal(expectedCode, code);
        Assert.Contains(message, error.ToString(), StringComparison.Ordinal);
        Assert.Equal("", output.ToString());
        await using var db = Db.CreateContext();
        Assert.False(await db.ApiTokens.AnyAsync());
    }

    [Fact]
    public async Task Without_a_database_in_Production_the_command_says_so_in_one_line()
    {
        var output = new StringWriter();
        var error = new StringWriter();

        var code = await TokensCommand.RunAsync(["create", "--user", "300000000000000001", "--name", "automation", "--environment=Production"], output, error);

        Assert.Equal(2, code);
        Assert.StartsWith("No database is configured.", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error.ToString(), StringComparison.Ordinal);
        Assert.Equal("", output.ToString());
    }
}

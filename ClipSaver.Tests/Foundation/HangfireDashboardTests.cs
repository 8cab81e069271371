namespace ClipSaver.Tests.Foundation;

public sealed class HangfireDashboardTests : AppTestBase
{
    private const long OperatorId = 900000000000000001;
    private const long OrdinaryUserId = 900000000000000002;

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["ClipSaver:Operators:0"] = OperatorId.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    [Fact]
    public async Task A_signed_out_visitor_is_sent_to_log_in()
    {
        var response = await App.GetAsAsync(null, "/hangfire");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/login", response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_signed_in_user_who_is_not_an_operator_gets_403_with_the_apps_own_page()
    {
        await App.AssertAnswersAsync(OrdinaryUserId, "/hangfire", HttpStatusCode.Forbidden, "<h1>Not allowed</h1>", "<a class=\"brand\" href=\"/\">ClipSaver</a>");
    }

    [Fact]
    public async Task An_operator_sees_the_dashboard()
    {
        await App.AssertAnswersAsync(OperatorId, "/hangfire", HttpStatusCode.OK, "ClipSaver jobs");
    }

    [Fact]
    public async Task The_dashboard_api_is_closed_to_non_operators_too()
    {
        await App.AssertAnswersAsync(OrdinaryUserId, "/hangfire/stats", HttpStatusCode.Forbidden);
    }
}

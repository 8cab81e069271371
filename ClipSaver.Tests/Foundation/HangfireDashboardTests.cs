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
        var response = await App.GetAsAsync(OrdinaryUserId, "/hangfire");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("<h1>Not allowed</h1>", body, StringComparison.Ordinal);
        Assert.Contains("<a class=\"brand\" href=\"/\">ClipSaver</a>", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_operator_sees_the_dashboard()
    {
        var response = await App.GetAsAsync(OperatorId, "/hangfire");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("ClipSaver jobs", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_dashboard_api_is_closed_to_non_operators_too()
    {
        var response = await App.GetAsAsync(OrdinaryUserId, "/hangfire/stats");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }
}

using System.Net;
using System.Text.Json;
using ClipSaver.DiscordEmulator;
using ClipSaver.Tests.Infrastructure;

namespace ClipSaver.Tests.Maintenance;

public sealed class AdminAndHealthTests : AppTestBase
{
    private const long Operator = 555000000000000001;

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["ClipSaver:Operators:0"] = Operator.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["ClipSaver:Storage:Root"] = "/proc/clipsaver-cannot-write-here",
    };

    [Fact]
    public async Task The_admin_page_is_for_operators_only_and_lists_every_job()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await App.CreateClientAs(TestDiscord.Id(DemoUsers.Owner.Id)).GetAsync("/admin")).StatusCode);

        var page = await App.CreateClientAs(Operator).GetAsync("/admin");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        foreach (var job in new[] { "retention-purge", "member-cleanup", "expired-install-intents", "removed-guild-grace", "orphan-scan", "guild-reconciliation", "incremental-scans" })
        {
            Assert.Contains($"data-job=\"{job}\"", html, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Health_names_each_dependency_and_turns_unhealthy_when_storage_cannot_be_written_details_only_for_operators()
    {
        var anonymous = await App.CreateClientAs(null).GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, anonymous.StatusCode);
        var body = JsonDocument.Parse(await anonymous.Content.ReadAsStringAsync()).RootElement;
        var checks = body.GetProperty("checks").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!, c => c);
        Assert.Equal(["database", "discord", "hangfire", "storage"], checks.Keys.Order());
        Assert.Equal("Unhealthy", checks["storage"].GetProperty("status").GetString());
        Assert.Equal("Healthy", checks["database"].GetProperty("status").GetString());
        Assert.Equal("Healthy", checks["discord"].GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, checks["storage"].GetProperty("description").ValueKind);

        var asOperator = JsonDocument.Parse(await (await App.CreateClientAs(Operator).GetAsync("/health/ready")).Content.ReadAsStringAsync()).RootElement;
        Assert.Contains(asOperator.GetProperty("checks").EnumerateArray(), c => c.GetProperty("description").GetString() == "Clip storage does not accept writes.");
    }
}

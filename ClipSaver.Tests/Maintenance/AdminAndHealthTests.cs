using ClipSaver.Web.Jobs;

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
        foreach (var job in new[] { "retention-purge", "member-cleanup", "expired-install-intents", "removed-guild-grace", "orphan-scan", "guild-reconciliation", "incremental-scans", "recover-runs", "checksum-backfill" })
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
        Assert.Equal(["database", "discord", "gateway", "hangfire", "storage", "thumbnails"], checks.Keys.Order());
        Assert.Equal("Unhealthy", checks["storage"].GetProperty("status").GetString());
        Assert.Equal("Healthy", checks["database"].GetProperty("status").GetString());
        Assert.Equal("Healthy", checks["discord"].GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, checks["storage"].GetProperty("description").ValueKind);

        var asOperator = JsonDocument.Parse(await (await App.CreateClientAs(Operator).GetAsync("/health/ready")).Content.ReadAsStringAsync()).RootElement;
        Assert.Contains(asOperator.GetProperty("checks").EnumerateArray(), c => c.GetProperty("description").GetString() == "Clip storage does not accept writes.");
    }

    [Fact]
    public async Task The_admin_page_shows_each_servers_last_member_cleanup_with_what_it_removed_and_the_next_scheduled_run()
    {
        var client = App.CreateClientAs(Operator);
        var before = await (await client.GetAsync("/admin")).Content.ReadAsStringAsync();
        Assert.Equal("not scheduled", NextMemberCleanup(before));

        // Two members ClipSaver knows in Clip Club who are no longer on Discord's member list.
        await ReconcileAsync();
        var club = (long)DemoGuild("Clip Club").Id;
        await using (var db = Db.CreateContext())
        {
            foreach (var id in new[] { TestData.NewId(), TestData.NewId() })
            {
                db.Users.Add(new User { Id = id, Username = $"gone{id}", CreatedAt = DateTimeOffset.UtcNow });
                db.GuildMembers.Add(new GuildMember { GuildId = club, UserId = id, FirstSeenAt = DateTimeOffset.UtcNow, LastSeenAt = DateTimeOffset.UtcNow });
            }

            await db.SaveChangesAsync();
        }

        await RunAsync<MemberCleanupJob>(j => j.RunAsync(club, false, CancellationToken.None));
        var definition = App.Services.GetServices<RecurringJobDefinition>().Single(d => d.Id == MemberCleanupJob.RecurringJobId);
        definition.Register(App.Services.GetRequiredService<IRecurringJobManager>());
        DateTime next;
        using (var connection = App.Services.GetRequiredService<JobStorage>().GetConnection())
        {
            next = Hangfire.Storage.StorageConnectionExtensions.GetRecurringJobs(connection).Single(r => r.Id == MemberCleanupJob.RecurringJobId).NextExecution!.Value;
        }

        var html = WebUtility.HtmlDecode(await (await client.GetAsync("/admin")).Content.ReadAsStringAsync());

        Assert.Equal($"{next:d MMM yyyy HH:mm} UTC", NextMemberCleanup(html));
        var table = html[html.IndexOf("data-testid=\"member-cleanups\"", StringComparison.Ordinal)..];
        Assert.Contains($"<tr data-guild=\"{club}\">", table, StringComparison.Ordinal);
        Assert.Contains("Clip Club", table, StringComparison.Ordinal);
        Assert.Contains("Member cleanup: 2 members who left were removed; 0 of their clips deleted.", table, StringComparison.Ordinal);
    }

    private static string NextMemberCleanup(string html) =>
        System.Text.RegularExpressions.Regex.Match(html, "data-testid=\"member-cleanup-next\">([^<]*)<").Groups[1].Value;
}

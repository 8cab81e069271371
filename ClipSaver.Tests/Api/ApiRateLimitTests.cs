namespace ClipSaver.Tests.Api;

public sealed class ApiRateLimitTests : AppTestBase
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?> { ["ClipSaver:Api:RequestsPerMinute"] = "5" };

    [Fact]
    public async Task A_caller_over_its_limit_gets_the_documented_429_with_retry_after_and_another_caller_is_not_affected()
    {
        var owner = await ApiClientAsync(DemoUsers.Owner.Id);
        var manager = await ApiClientAsync(DemoUsers.Manager.Id);

        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 6; i++)
        {
            answers.Add(await owner.GetAsync("/api/guilds"));
        }

        Assert.All(answers.Take(5), a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        Assert.Equal(HttpStatusCode.TooManyRequests, answers[5].StatusCode);
        Assert.InRange(answers[5].Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 60);
        Assert.Equal("application/json", answers[5].Content.Headers.ContentType!.MediaType);
        Assert.Equal(HttpStatusCode.OK, (await manager.GetAsync("/api/guilds")).StatusCode);

        var document = JsonDocument.Parse(await App.CreateClientAs(null).GetStringAsync("/openapi/v1.json")).RootElement;
        Assert.True(document.GetProperty("paths").GetProperty("/api/guilds").GetProperty("get").GetProperty("responses").TryGetProperty("429", out _), "429 is not documented.");
    }
}

namespace ClipSaver.Tests.Api;

/// <summary>
/// Walks every operation of the OpenAPI document: 401 without credentials, 404 for a guild the caller may not see,
/// 403 for a right the caller lacks, 400 for malformed input, 415 for a body that is not JSON, success for the right
/// caller, and never a 500; every answer met on the way must be listed under the operation's responses.
/// </summary>
public sealed class ApiWalkTests : AppTestBase
{
    private const long Operator = 555000000000000002;
    private static readonly string[] Mp4 = ["mp4"];

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["ClipSaver:Operators:0"] = Operator.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["ClipSaver:Api:RequestsPerMinute"] = "100000",
    };

    private string _channelName = "";
    private string _ownerName = "";

    private sealed record Operation(string Method, string Path, JsonElement Spec)
    {
        public JsonElement Responses => Spec.GetProperty("responses");

        public bool HasBody => Spec.TryGetProperty("requestBody", out _);
    }

    [Fact]
    public async Task Every_operation_documents_a_success_with_its_schema_and_its_errors_as_problems()
    {
        var failures = new List<string>();
        foreach (var o in await OperationsAsync(App.CreateClientAs(null)))
        {
            var answers = o.Responses.EnumerateObject().ToList();
            if (!answers.Any(a => a.Name == "204" || (a.Name.StartsWith('2') && a.Value.TryGetProperty("content", out _))))
            {
                failures.Add($"{o.Method} {o.Path}: no 2xx answer with a body, and no 204");
            }

            foreach (var (status, content) in answers.SelectMany(a => Contents(a.Value).Select(c => (a.Name, c))))
            {
                var schema = content.Value.TryGetProperty("schema", out var found) ? found : default;
                var named = schema.ValueKind == JsonValueKind.Object
                    && (schema.TryGetProperty("$ref", out _) || (schema.TryGetProperty("items", out var items) && items.TryGetProperty("$ref", out _)));
                // A CSV download is documented as text: a string, named by its media type.
                var csv = content.Name == "text/csv" && schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("type", out var type) && type.ToString().Contains("string", StringComparison.Ordinal);
                if (status.StartsWith('2') && !named && !csv)
                {
                    failures.Add($"{o.Method} {o.Path}: {status} {content.Name} names no schema");
                }

                if (status.StartsWith('4') && (content.Name != "application/problem+json" || !named || !schema.ToString().Contains("ProblemDetails", StringComparison.Ordinal)))
                {
                    failures.Add($"{o.Method} {o.Path}: {status} is not documented as a problem ({content.Name} {schema})");
                }
            }
        }

        AssertNone(failures);
    }

    [Fact]
    public async Task Every_operation_answers_401_404_403_400_and_success_as_the_rules_say_never_500_and_documents_each_answer()
    {
        await ReconcileAsync();
        var club = DemoGuild("Clip Club");
        long channelId, clipId;
        await using (var db = Db.CreateContext())
        {
            channelId = await db.Channels.Where(c => c.GuildId == (long)club.Id && c.Type == 0).OrderBy(c => c.Position).Select(c => c.Id).FirstAsync();
            await db.Channels.Where(c => c.Id == channelId).ExecuteUpdateAsync(s => s.SetProperty(c => c.IsReading, true));
            var clip = TestData.Clip((long)club.Id, channelId, TestDiscord.Id(DemoUsers.Owner.Id), "clip.mp4", 1);
            if (!await db.Users.AnyAsync(u => u.Id == clip.AuthorId))
            {
                db.Users.Add(new User { Id = clip.AuthorId, Username = "owner", CreatedAt = DateTimeOffset.UtcNow });
            }

            db.Clips.Add(clip);
            await db.SaveChangesAsync();
            clipId = clip.Id;
        }

        await RunAsync<ClipSaver.Core.Storage.IClipStorage>(async storage =>
        {
            var key = ClipSaver.Core.Storage.ClipStorageKeys.ForAttachment((long)club.Id, channelId, clipId, "clip.mp4");
            var stored = await storage.PutAsync(key, new MemoryStream([1, 2, 3]), 100, CancellationToken.None);
            await using var db = Db.CreateContext();
            // Its poster, as the thumbnail job leaves it.
            await storage.PutAsync(ClipSaver.Core.Storage.ClipStorageKeys.ThumbnailOf(key), new MemoryStream([0xFF, 0xD8, 0xFF]), 100, CancellationToken.None);
            await db.Clips.Where(c => c.Id == clipId).ExecuteUpdateAsync(s => s.SetProperty(c => c.StorageKey, key).SetProperty(c => c.SizeBytes, 3).SetProperty(c => c.Sha256, stored.Sha256)
                .SetProperty(c => c.Crc32, unchecked((int)stored.Crc32)).SetProperty(c => c.ThumbnailState, ThumbnailState.Made));
        });
        _channelName = await ChannelNameAsync(channelId);

        var owner = await ApiClientAsync(DemoUsers.Owner.Id);
        await using (var db = Db.CreateContext())
        {
            _ownerName = await db.Users.Where(u => u.Id == TestDiscord.Id(DemoUsers.Owner.Id)).Select(u => u.Username).FirstAsync();
        }
        var manager = await ApiClientAsync(DemoUsers.Manager.Id);
        var member = await ApiClientAsync(DemoUsers.Member.Id);
        var op = await ApiClientAsync(Operator);
        var anonymous = App.CreateClientAs(null);

        // A version of the settings to point {versionId} at.
        Assert.Equal(HttpStatusCode.OK, (await owner.PutAsync($"/api/guilds/{club.Id}/settings", Json(new { maxFileSizeMb = 321 }))).StatusCode);
        var versionId = JsonDocument.Parse(await owner.GetStringAsync($"/api/guilds/{club.Id}/settings/history")).RootElement.GetProperty("items")[0].GetProperty("id").GetString()!;

        // A purge to point {id} at, requested first so that its routes have something to answer about.
        var purge = await owner.PostAsync($"/api/guilds/{club.Id}/channels/{channelId}/purge", Json(new { confirm = _channelName }));
        Assert.Equal(HttpStatusCode.Accepted, purge.StatusCode);
        var purgeId = JsonDocument.Parse(await purge.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;

        // An export of the owner's own clips, built, to point the export routes' {id} and {n} at.
        var export = await owner.PostAsync("/api/me/exports", Json(new { }));
        Assert.Equal(HttpStatusCode.Accepted, export.StatusCode);
        var exportId = JsonDocument.Parse(await export.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
        await RunAsync<ClipSaver.Core.Exports.ExportJob>(j => j.RunAsync(long.Parse(exportId, System.Globalization.CultureInfo.InvariantCulture), CancellationToken.None));

        // The reference page is served by the app itself: no script from a CDN.
        var docs = await anonymous.GetStringAsync("/api/docs/");
        Assert.DoesNotContain("cdn.jsdelivr.net", docs, StringComparison.Ordinal);
        Assert.DoesNotMatch("<script[^>]+src=\"https?://", docs);
        Assert.Matches("<script[^>]+src=", docs);

        var document = JsonDocument.Parse(await anonymous.GetStringAsync("/openapi/v1.json")).RootElement;
        var operations = await OperationsAsync(anonymous);
        Assert.True(operations.Count >= 20, $"Only {operations.Count} operations are documented.");
        Assert.All(operations, o => Assert.True(o.Spec.TryGetProperty("summary", out _), $"{o.Method} {o.Path} has no summary."));

        string Url(Operation o, string? guild = null) => o.Path
            .Replace("{guildId}", guild ?? club.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{channelId}", channelId.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{clipId}", clipId.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{versionId}", versionId, StringComparison.Ordinal)
            .Replace("{jobId}", "expired-install-intents", StringComparison.Ordinal)
            .Replace("{id}", o.Path.StartsWith("/api/exports/", StringComparison.Ordinal) ? exportId : purgeId, StringComparison.Ordinal)
            .Replace("{n}", "1", StringComparison.Ordinal)
            + (o.Path.Contains("/purges/preview", StringComparison.Ordinal) ? "?scope=all" : "");

        var failures = new List<string>();
        async Task ExpectAsync(HttpClient client, Operation o, string url, Func<HttpStatusCode, bool> ok, string what, HttpContent? body = null, string? range = null, string? mentions = null)
        {
            using var request = new HttpRequestMessage(new HttpMethod(o.Method), url) { Content = body ?? BodyFor(o) };
            if (range is not null)
            {
                request.Headers.Range = RangeHeaderValue.Parse(range);
            }

            var response = await client.SendAsync(request);
            var status = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
            if ((int)response.StatusCode >= 500 || !ok(response.StatusCode))
            {
                failures.Add($"{o.Method} {o.Path} ({what}): {status}");
            }

            if (!o.Responses.TryGetProperty(status, out _))
            {
                failures.Add($"{o.Method} {o.Path} ({what}): answered {status}, which its responses in /openapi/v1.json do not list");
            }

            // Errors are plain ProblemDetails in every environment: the factory runs the app as Development, where
            // the developer exception page would show a stack trace.
            if ((int)response.StatusCode >= 400)
            {
                var text = await response.Content.ReadAsStringAsync();
                if (text.Length > 0 && response.Content.Headers.ContentType?.MediaType != "application/problem+json")
                {
                    failures.Add($"{o.Method} {o.Path} ({what}): {status} answered {response.Content.Headers.ContentType}, not a ProblemDetails");
                }

                if (ExceptionMarkers.FirstOrDefault(m => text.Contains(m, StringComparison.Ordinal)) is { } marker)
                {
                    failures.Add($"{o.Method} {o.Path} ({what}): {status} carries exception details ('{marker}'): {text}");
                }

                if (mentions is not null && !text.Contains(mentions, StringComparison.Ordinal))
                {
                    failures.Add($"{o.Method} {o.Path} ({what}): {status} does not say what was wrong ({mentions}): {text}");
                }
            }
        }

        foreach (var o in operations)
        {
            // Someone else's export does not exist for the caller, like a guild they may not see.
            var guildScoped = o.Path.Contains("{guildId}", StringComparison.Ordinal) || o.Path.Contains("/purges/{id}", StringComparison.Ordinal)
                || o.Path.StartsWith("/api/exports/", StringComparison.Ordinal);
            var maintenance = o.Path.StartsWith("/api/maintenance", StringComparison.Ordinal);
            // A member's own routes (/api/me) need no guild rights: every signed-in caller is the right one there.
            var own = o.Path.StartsWith("/api/me/", StringComparison.Ordinal);
            var ownerOnly = !own && (o.Path.EndsWith("/purge", StringComparison.Ordinal) || o.Path.EndsWith("{guildId}/exports", StringComparison.Ordinal) || o.Path.EndsWith("/preview", StringComparison.Ordinal) || (o.Method == "DELETE" && o.Path.Contains("/purges/", StringComparison.Ordinal)));

            await ExpectAsync(anonymous, o, Url(o), s => s == HttpStatusCode.Unauthorized, "no credentials");
            if (guildScoped || maintenance)
            {
                await ExpectAsync(member, o, Url(o), s => s == HttpStatusCode.NotFound, "no rights");
            }

            if (ownerOnly)
            {
                await ExpectAsync(manager, o, Url(o), s => s == HttpStatusCode.Forbidden, "manager on an owner's action");
            }

            if (o.Path.Contains("{guildId}", StringComparison.Ordinal))
            {
                await ExpectAsync(owner, o, Url(o, guild: "not-a-snowflake"), s => s == HttpStatusCode.BadRequest, "bad snowflake");
            }

            // Ids past the range of a stored id (2^63 and 2^64-1) are malformed ids: 400, in the path and in the query.
            foreach (var name in IdParameters(o, "path").Concat(IdParameters(o, "query")))
            {
                foreach (var big in BigIds)
                {
                    var url = o.Path.Contains($"{{{name}}}", StringComparison.Ordinal)
                        ? Url(o with { Path = o.Path.Replace($"{{{name}}}", big, StringComparison.Ordinal) })
                        : Url(o) + (Url(o).Contains('?', StringComparison.Ordinal) ? "&" : "?") + $"{name}={big}";
                    await ExpectAsync(maintenance ? op : owner, o, url, s => s == HttpStatusCode.BadRequest, $"{name} = {big}", mentions: $"'{name}'");
                }
            }

            if (o.HasBody)
            {
                await ExpectAsync(maintenance ? op : owner, o, Url(o), s => s == HttpStatusCode.BadRequest, "malformed body", new StringContent("{not json", Encoding.UTF8, "application/json"));
                await ExpectAsync(maintenance ? op : owner, o, Url(o), s => s == HttpStatusCode.UnsupportedMediaType, "body not JSON", new StringContent("enabled=true", Encoding.UTF8, "text/plain"));
                await ExpectAsync(maintenance ? op : owner, o, Url(o), s => s == HttpStatusCode.BadRequest, "body an array", new StringContent("[1]", Encoding.UTF8, "application/json"));
                foreach (var (field, wrong) in WrongTypes(document, o))
                {
                    await ExpectAsync(maintenance ? op : owner, o, Url(o), s => s == HttpStatusCode.BadRequest, $"{field} = {wrong}", new StringContent($"{{\"{field}\":{wrong}}}", Encoding.UTF8, "application/json"), mentions: $"'{field}'");
                }
            }

            if (o.Path.EndsWith("/file", StringComparison.Ordinal) || o.Path.EndsWith("/parts/{n}", StringComparison.Ordinal))
            {
                await ExpectAsync(owner, o, Url(o), s => s == HttpStatusCode.PartialContent, "first byte", range: "bytes=0-0");
                await ExpectAsync(owner, o, Url(o), s => s == HttpStatusCode.RequestedRangeNotSatisfiable, "range past the end", range: "bytes=100000000-");
            }
        }

        // Success for the right caller (purges last: they change what the other routes see).
        foreach (var o in operations.OrderBy(o => o.Path.Contains("purge", StringComparison.Ordinal)).ThenBy(o => o.Method == "DELETE"))
        {
            var caller = o.Path.StartsWith("/api/maintenance", StringComparison.Ordinal) ? op : owner;
            var expected = SuccessFor(o);
            await ExpectAsync(caller, o, Url(o), s => expected.Contains(s), "right caller");
        }

        AssertNone(failures);
    }

    /// <summary>What the right caller gets; for purge requests a conflict with the purge requested above is also an answer by the rules.</summary>
    private static HashSet<HttpStatusCode> SuccessFor(Operation o) => (o.Method, o.Path) switch
    {
        ("POST", var p) when p.EndsWith("/purge", StringComparison.Ordinal) => [HttpStatusCode.Accepted, HttpStatusCode.Conflict],
        // One export at a time: the second request while the first is being built is refused by the rules.
        ("POST", var p) when p.EndsWith("/exports", StringComparison.Ordinal) => [HttpStatusCode.Accepted, HttpStatusCode.Conflict],
        ("DELETE", var p) when p.Contains("/purges/", StringComparison.Ordinal) => [HttpStatusCode.NoContent],
        ("GET", var p) when p.EndsWith("/orphans", StringComparison.Ordinal) => [HttpStatusCode.OK, HttpStatusCode.NotFound],
        ("GET", _) => [HttpStatusCode.OK],
        ("POST", var p) when p.EndsWith("/run", StringComparison.Ordinal) || p.EndsWith("/scans", StringComparison.Ordinal) => [HttpStatusCode.Accepted],
        ("POST", _) or ("PUT", _) => [HttpStatusCode.OK, HttpStatusCode.NoContent],
        ("DELETE", _) => [HttpStatusCode.NoContent],
        _ => [HttpStatusCode.OK],
    };

    private StringContent? BodyFor(Operation o) => (o.Method, o.Path) switch
    {
        ("PUT", var p) when p.EndsWith("/archiving", StringComparison.Ordinal) => Json(new { enabled = true }),
        ("PUT", var p) when p.EndsWith("/settings", StringComparison.Ordinal) => Json(new { maxFileSizeMb = 100, clipExtensions = Mp4, keepVideoEmbeds = true }),
        ("POST", var p) when p.EndsWith("/validate", StringComparison.Ordinal) => Json(new { maxFileSizeMb = 100, clipExtensions = Mp4 }),
        ("POST", "/api/me/clips/purge") => Json(new { confirm = _ownerName }),
        ("PUT", "/api/me/opt-out") => Json(new { optOut = false }),
        ("POST", var p) when p.EndsWith("/channels/purge", StringComparison.Ordinal) => Json(new { confirm = "DELETE ALL CHANNELS" }),
        ("POST", var p) when p.EndsWith("{guildId}/purge", StringComparison.Ordinal) => Json(new { confirm = "DELETE GUILD" }),
        ("POST", var p) when p.EndsWith("/purge", StringComparison.Ordinal) => Json(new { confirm = _channelName }),
        ("POST", var p) when p.EndsWith("/run", StringComparison.Ordinal) => Json(new { dryRun = true }),
        _ => null,
    };

    /// <summary>What a stack trace, an exception or a source path would leave in an answer.</summary>
    private static readonly string[] ExceptionMarkers = ["   at ", "Exception", ".cs:line", "System.", "Microsoft."];

    /// <summary>2^63, the first number past PostgreSQL's bigint, and 2^64-1, the largest 64-bit number.</summary>
    private static readonly string[] BigIds = ["9223372036854775808", "18446744073709551615"];

    /// <summary>The operation's parameters in the path or query that hold an id.</summary>
    private static IEnumerable<string> IdParameters(Operation o, string where) =>
        o.Spec.TryGetProperty("parameters", out var parameters)
            ? parameters.EnumerateArray()
                .Where(p => p.GetProperty("in").GetString() == where)
                .Select(p => p.GetProperty("name").GetString()!)
                // jobId names a recurring job: a word, not a number.
                .Where(n => n == "id" || (n.EndsWith("Id", StringComparison.Ordinal) && n != "jobId"))
            : [];

    /// <summary>
    /// For every field of the operation's JSON body (from its schema in the document), values of a wrong JSON type:
    /// a number or an object for a string, a string or an object for a number, and so on.
    /// </summary>
    private static IEnumerable<(string Field, string Wrong)> WrongTypes(JsonElement document, Operation o)
    {
        var schema = o.Spec.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema");
        if (schema.TryGetProperty("oneOf", out var oneOf))
        {
            schema = oneOf.EnumerateArray().Single(x => x.TryGetProperty("$ref", out _));
        }

        if (schema.TryGetProperty("$ref", out var reference))
        {
            schema = document.GetProperty("components").GetProperty("schemas").GetProperty(reference.GetString()!.Split('/')[^1]);
        }

        Assert.True(schema.TryGetProperty("properties", out var properties), $"{o.Method} {o.Path}: the body's schema lists no fields: {schema}");
        foreach (var field in properties.EnumerateObject())
        {
            var type = field.Value.TryGetProperty("type", out var t) ? t.ToString() : "object";
            string[] wrong = type switch
            {
                // Numbers may also come as strings of digits: the type then says both.
                _ when type.Contains("integer", StringComparison.Ordinal) || type.Contains("number", StringComparison.Ordinal) => ["\"twelve\"", "{\"a\":1}", "true"],
                // An enum's names are strings; its numbers are not accepted.
                _ when field.Value.TryGetProperty("enum", out _) => ["12", "\"no-such-value\"", "{\"a\":1}"],
                _ when type.Contains("string", StringComparison.Ordinal) => ["12", "{\"a\":1}"],
                _ when type.Contains("boolean", StringComparison.Ordinal) => ["\"yes\"", "12", "{\"a\":1}"],
                _ when type.Contains("array", StringComparison.Ordinal) => ["12", "\"x\"", "{\"a\":1}"],
                _ => ["12", "\"x\""],
            };
            foreach (var value in wrong)
            {
                yield return (field.Name, value);
            }
        }
    }

    /// <summary>Lists every failure, not the first few that xunit shows of a collection.</summary>
    private static void AssertNone(List<string> failures)
    {
        if (failures.Count > 0)
        {
            Assert.Fail(string.Join(Environment.NewLine, failures));
        }
    }

    private static async Task<List<Operation>> OperationsAsync(HttpClient anonymous)
    {
        var document = JsonDocument.Parse(await anonymous.GetStringAsync("/openapi/v1.json")).RootElement;
        return document.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Select(m => new Operation(m.Name.ToUpperInvariant(), p.Name, m.Value)))
            .Where(o => o.Path.StartsWith("/api/", StringComparison.Ordinal))
            .ToList();
    }

    private static JsonProperty[] Contents(JsonElement response) =>
        response.TryGetProperty("content", out var content) ? [.. content.EnumerateObject()] : [];

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    private async Task<string> ChannelNameAsync(long channelId)
    {
        await using var db = Db.CreateContext();
        return await db.Channels.Where(c => c.Id == channelId).Select(c => c.Name).FirstAsync();
    }
}

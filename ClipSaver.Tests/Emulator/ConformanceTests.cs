using ClipSaver.Tests.Emulator.Spec;

namespace ClipSaver.Tests.Emulator;

/// <summary>Every route the emulator serves, with each JSON answer checked against Discord's OpenAPI description.</summary>
public sealed class ConformanceTests
{
    private static readonly OpenApiValidator Spec = OpenApiValidator.Discord;

    [Fact]
    public async Task Every_route_answers_in_the_shape_of_Discords_OpenAPI_description()
    {
        // The one-message bucket allows two calls a minute: the 200 and the 404 below; the third one is the 429.
        await using var emulator = await EmulatorTestHost.StartAsync(o => o.RateLimits.Buckets["message"] = new BucketLimit(2, TimeSpan.FromMinutes(1)));
        var failures = new List<string>();
        var guild = emulator.ClipClub;
        var channel = emulator.FirstTextChannel(guild.Id);
        var forum = emulator.World.Channels(guild.Id).First(c => c.Type == 15);
        var g = guild.Id.ToString(CultureInfo.InvariantCulture);
        var c = channel.Id.ToString(CultureInfo.InvariantCulture);
        var message = emulator.World.Messages(channel.Id, 100).First(m => m.Attachments.Count > 0);

        async Task<JsonElement> Check(HttpClient client, string url, string specPath, HttpStatusCode expected, string? schemaName = null, HttpMethod? method = null)
        {
            using var response = await client.SendAsync(new HttpRequestMessage(method ?? HttpMethod.Get, url));
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != expected)
            {
                failures.Add($"{url}: {(int)response.StatusCode} instead of {(int)expected}: {body}");
                return default;
            }

            if (expected == HttpStatusCode.NoContent)
            {
                return default;
            }

            var json = JsonDocument.Parse(body).RootElement;
            var status = ((int)expected).ToString(CultureInfo.InvariantCulture);
            var schema = schemaName is null ? Spec.ResponseSchema(specPath, (method ?? HttpMethod.Get).Method.ToLowerInvariant(), status) : Spec.Schema(schemaName);
            failures.AddRange(Spec.Validate(json, schema).Select(e => $"{url}: {e}"));
            return json;
        }

        var bot = emulator.Bot;
        await Check(bot, "users/@me", "/users/@me", HttpStatusCode.OK);
        await Check(bot, "users/@me/guilds", "/users/@me/guilds", HttpStatusCode.OK);
        await Check(bot, "applications/@me", "/applications/@me", HttpStatusCode.OK);
        await Check(bot, $"guilds/{g}", "/guilds/{guild_id}", HttpStatusCode.OK);
        await Check(bot, $"guilds/{g}/roles", "/guilds/{guild_id}/roles", HttpStatusCode.OK);
        await Check(bot, $"guilds/{g}/members/{DemoUsers.Manager.Id}", "/guilds/{guild_id}/members/{user_id}", HttpStatusCode.OK);
        await Check(bot, $"guilds/{g}/members?limit=1000", "/guilds/{guild_id}/members", HttpStatusCode.OK);
        await Check(bot, $"guilds/{g}/channels", "/guilds/{guild_id}/channels", HttpStatusCode.OK);
        var active = await Check(bot, $"guilds/{g}/threads/active", "/guilds/{guild_id}/threads/active", HttpStatusCode.OK);
        var archived = await Check(bot, $"channels/{forum.Id}/threads/archived/public", "/channels/{channel_id}/threads/archived/public", HttpStatusCode.OK);
        var messages = await Check(bot, $"channels/{c}/messages?limit=100", "/channels/{channel_id}/messages", HttpStatusCode.OK);
        await Check(bot, $"channels/{c}/messages/{message.Id}", "/channels/{channel_id}/messages/{message_id}", HttpStatusCode.OK);

        // Errors: 400 (Discord's field errors use string codes where the description says integer, so only the
        // top-level Error object is checked), 401, 403, 404, 429.
        await Check(bot, $"channels/{c}/messages?limit=101", "", HttpStatusCode.BadRequest, "Error");
        using (var stranger = emulator.NewClient("Bot wrong-token"))
        {
            await Check(stranger, "users/@me", "/users/@me", HttpStatusCode.Unauthorized);
        }

        var vault = emulator.World.Guilds.Single(x => x.Name == "Speedrun Vault");
        await Check(bot, $"guilds/{vault.Id}", "/guilds/{guild_id}", HttpStatusCode.Forbidden);
        await Check(bot, "guilds/1", "/guilds/{guild_id}", HttpStatusCode.NotFound);
        await Check(bot, "channels/1/messages", "/channels/{channel_id}/messages", HttpStatusCode.NotFound);
        await Check(bot, $"channels/{c}/messages/1", "/channels/{channel_id}/messages/{message_id}", HttpStatusCode.NotFound);
        await Check(bot, $"guilds/{g}/members/1", "/guilds/{guild_id}/members/{user_id}", HttpStatusCode.NotFound);

        await Check(bot, $"channels/{c}/messages/{message.Id}", "/channels/{channel_id}/messages/{message_id}", HttpStatusCode.TooManyRequests);

        await Check(bot, $"users/@me/guilds/{g}", "/users/@me/guilds/{guild_id}", HttpStatusCode.NoContent, method: HttpMethod.Delete);

        // A user's token from the OAuth2 flow, on the two routes a user token may call.
        var (verifier, challenge) = OAuthFlow.NewPkce();
        var redirect = await OAuthFlow.ConsentAsync(emulator.Host, DemoUsers.Owner, OAuthFlow.LoginParameters(emulator.Host, "s1", challenge));
        using var token = await OAuthFlow.TokenAsync(emulator.Host, new()
        {
            ["grant_type"] = "authorization_code",
            ["code"] = redirect["code"],
            ["redirect_uri"] = OAuthFlow.RedirectUri,
            ["code_verifier"] = verifier,
            ["client_id"] = emulator.Options.ClientId,
            ["client_secret"] = emulator.Options.ClientSecret,
        });
        var tokenJson = await EmulatorTestHost.JsonAsync(token);
        Assert.Equal(HttpStatusCode.OK, token.StatusCode);
        Assert.Equal("Bearer", tokenJson.GetProperty("token_type").GetString());
        Assert.Equal(604800, tokenJson.GetProperty("expires_in").GetInt32());
        using var user = emulator.NewClient($"Bearer {tokenJson.GetProperty("access_token").GetString()}");
        await Check(user, "users/@me", "/users/@me", HttpStatusCode.OK);
        var userGuilds = await Check(user, "users/@me/guilds", "/users/@me/guilds", HttpStatusCode.OK);

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
        Assert.NotEmpty(active.GetProperty("threads").EnumerateArray());
        Assert.NotEmpty(archived.GetProperty("threads").EnumerateArray());
        Assert.Equal(100, messages.GetArrayLength());
        Assert.Contains(userGuilds.EnumerateArray(), x => x.GetProperty("owner").GetBoolean() && x.GetProperty("name").GetString() == "Clip Club");
    }

    [Fact]
    public void The_validator_rejects_a_message_without_a_required_field_or_with_a_mistyped_id()
    {
        var schema = Spec.ResponseSchema("/channels/{channel_id}/messages/{message_id}", "get", "200");
        const string Good = """
            {"id":"1","channel_id":"2","author":{"id":"3","username":"a","avatar":null,"discriminator":"0","public_flags":0,"flags":0,"global_name":null,"primary_guild":null},
             "content":"","timestamp":"2024-01-01T00:00:00.000000+00:00","edited_timestamp":null,"attachments":[],"embeds":[],"type":0,"flags":0,
             "pinned":false,"mention_everyone":false,"tts":false,"mentions":[],"mention_roles":[],"components":[]}
            """;
        Assert.Empty(Spec.Validate(JsonDocument.Parse(Good).RootElement, schema));
        Assert.NotEmpty(Spec.Validate(JsonDocument.Parse(Good.Replace("\"tts\":false,", "", StringComparison.Ordinal)).RootElement, schema));
        Assert.NotEmpty(Spec.Validate(JsonDocument.Parse(Good.Replace("\"id\":\"1\"", "\"id\":1", StringComparison.Ordinal)).RootElement, schema));
    }
}

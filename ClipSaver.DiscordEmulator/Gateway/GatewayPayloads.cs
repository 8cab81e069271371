using System.Text.Json.Nodes;

namespace ClipSaver.DiscordEmulator.Gateway;

/// <summary>The Gateway's JSON (docs: events/gateway-events.mdx), built from world snapshots with the REST API's shapes.</summary>
internal sealed class GatewayPayloads(EmulatorWorld world, CdnSigner signer)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Set when the host has started: attachment URLs point at its CDN.</summary>
    public string BaseUrl { get; set; } = "http://127.0.0.1/";

    public static string Text(object value) => JsonSerializer.Serialize(value, Json);

    /// <summary>The data of a world event; <paramref name="redact"/> blanks message content for a session without the message-content intent.</summary>
    public string Render(WorldEvent change, bool redact) => change.Data switch
    {
        EmulatedMessage m => Text(WithGuild(ApiJson.Message(m, redact && m.Author.Id != world.BotUser.Id, signer, BaseUrl), change.GuildId)),
        GuildGone { Unavailable: false } g when change.Name == "GUILD_CREATE" => GuildCreate(g.Id),
        GuildGone g => Text(g.Unavailable ? new { id = ApiJson.Id(g.Id), unavailable = true } : new { id = ApiJson.Id(g.Id) }),
        EmulatedGuild g => Text(ApiJson.Guild(g, world.Roles(g.Id))),
        EmulatedChannel c => Text(ApiJson.Channel(c, null)),
        EmulatedMember m => Text(WithGuild(ApiJson.Member(m), m.GuildId)),
        MemberGone m => Text(new { guild_id = ApiJson.Id(m.GuildId), user = ApiJson.User(m.User) }),
        MessagesGone { Ids.Count: 1 } d => Text(new { id = ApiJson.Id(d.Ids[0]), channel_id = ApiJson.Id(d.ChannelId), guild_id = ApiJson.Id(d.GuildId) }),
        MessagesGone d => Text(new { ids = d.Ids.Select(ApiJson.Id).ToArray(), channel_id = ApiJson.Id(d.ChannelId), guild_id = ApiJson.Id(d.GuildId) }),
        _ => throw new InvalidOperationException($"No Gateway shape for {change.Data.GetType().Name}."),
    };

    /// <summary>
    /// GUILD_CREATE: the guild with its channels, active threads and (a part of) its members, as sent after READY or
    /// when the bot joins or the guild comes back from an outage.
    /// </summary>
    public string GuildCreate(ulong guildId)
    {
        var guild = world.Guild(guildId)!;
        var node = JsonSerializer.SerializeToNode(ApiJson.Guild(guild, world.Roles(guildId)), Json)!.AsObject();
        var channels = world.Channels(guildId);
        var members = world.Members(guildId);
        node["unavailable"] = false;
        node["large"] = members.Count > 250;
        node["member_count"] = members.Count;
        node["joined_at"] = ApiJson.Time(world.Member(guildId, world.BotUser.Id)?.JoinedAt ?? DateTimeOffset.UnixEpoch);
        node["channels"] = JsonSerializer.SerializeToNode(channels.Where(c => !c.IsThread).Select(c => ApiJson.Channel(c, null)).ToArray(), Json);
        node["threads"] = JsonSerializer.SerializeToNode(channels.Where(c => c.IsThread && !c.ThreadArchived).Select(c => ApiJson.Channel(c, null)).ToArray(), Json);
        node["members"] = JsonSerializer.SerializeToNode(members.Take(100).Select(ApiJson.Member).ToArray(), Json);
        node["voice_states"] = new JsonArray();
        node["presences"] = new JsonArray();
        node["stage_instances"] = new JsonArray();
        node["guild_scheduled_events"] = new JsonArray();
        node["soundboard_sounds"] = new JsonArray();
        return node.ToJsonString(Json);
    }

    public string Ready(string sessionId, string resumeUrl, int shardId, int shardCount, IEnumerable<ulong> guildIds) => Text(new
    {
        v = 10,
        user = ApiJson.User(world.BotUser),
        guilds = guildIds.Select(id => new { id = ApiJson.Id(id), unavailable = true }).ToArray(),
        session_id = sessionId,
        resume_gateway_url = resumeUrl,
        shard = new[] { shardId, shardCount },
        application = new { id = ApiJson.Id(world.BotUser.Id), flags = 0 },
    });

    private static JsonObject WithGuild(object value, ulong? guildId)
    {
        var node = JsonSerializer.SerializeToNode(value, Json)!.AsObject();
        if (guildId is { } id)
        {
            node["guild_id"] = ApiJson.Id(id);
        }

        return node;
    }
}

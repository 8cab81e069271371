namespace ClipSaver.DiscordEmulator.Rest;

/// <summary>The REST routes of API v10 that ClipSaver calls, answering like Discord (docs: resources/*).</summary>
internal static class BotApi
{
    private const ulong ReadHistory = Permissions.ViewChannel | Permissions.ReadMessageHistory;
    private static readonly string[] MessageCursors = ["before", "after", "around"];

    public static void MapBotApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v10");
        api.MapGet("/users/@me", GetMe);
        api.MapGet("/users/@me/guilds", GetMyGuilds);
        api.MapGet("/users/{user_id}", GetUser);
        api.MapDelete("/users/@me/guilds/{guild_id}", LeaveGuild);
        api.MapGet("/applications/@me", GetApplication);
        api.MapGet("/guilds/{guild_id}", GetGuild);
        api.MapGet("/guilds/{guild_id}/roles", GetRoles);
        api.MapGet("/guilds/{guild_id}/members", ListMembers);
        api.MapGet("/guilds/{guild_id}/members/{user_id}", GetMember);
        api.MapGet("/guilds/{guild_id}/channels", GetChannels);
        api.MapGet("/guilds/{guild_id}/threads/active", GetActiveThreads);
        api.MapGet("/channels/{channel_id}/threads/archived/public", GetArchivedThreads);
        api.MapGet("/channels/{channel_id}/messages", GetMessages);
        api.MapGet("/channels/{channel_id}/messages/{message_id}", GetMessage);
    }

    private static IResult GetMe(HttpContext context, EmulatorWorld world)
    {
        var client = ApiClient.From(context);
        return world.User(client.UserId) is { } user ? TypedResults.Json(ApiJson.Me(user)) : ApiErrors.Unauthorized();
    }

    private static IResult GetUser(EmulatorWorld world, string user_id) =>
        QueryReader.TryId(user_id, out var userId) && world.User(userId) is { } user ? TypedResults.Json(ApiJson.User(user)) : ApiErrors.Error(404, 10013, "Unknown User");

    private static IResult GetMyGuilds(HttpContext context, EmulatorWorld world)
    {
        var client = ApiClient.From(context);
        var query = new QueryReader(context.Request);
        var limit = query.Int("limit", 1, 200, 200);
        var before = query.Snowflake("before");
        var after = query.Snowflake("after");
        if (query.Error is { } error)
        {
            return error;
        }

        if (!client.IsBot && !client.HasScope("guilds"))
        {
            return ApiErrors.Unauthorized();
        }

        var guilds = client.IsBot ? world.Guilds.Where(g => g.BotPresent) : world.GuildsOf(client.UserId);
        var page = after is { } a ? guilds.Where(g => g.Id > a).OrderBy(g => g.Id).Take(limit)
            : before is { } b ? guilds.Where(g => g.Id < b).OrderByDescending(g => g.Id).Take(limit).Reverse()
            : guilds.OrderBy(g => g.Id).Take(limit);
        return TypedResults.Json(page.Select(g => ApiJson.PartialGuild(g, client.UserId, world.BasePermissions(g.Id, client.UserId))).ToArray());
    }

    private static IResult LeaveGuild(HttpContext context, EmulatorWorld world, string guild_id)
    {
        if (!ApiClient.From(context).IsBot)
        {
            return ApiErrors.Unauthorized();
        }

        if (!QueryReader.TryId(guild_id, out var id) || !world.BotIsIn(id))
        {
            return ApiErrors.UnknownGuild();
        }

        world.RemoveBotFromGuild(id);
        return TypedResults.NoContent();
    }

    private static IResult GetApplication(HttpContext context, EmulatorWorld world, EmulatorOptions options)
    {
        if (!ApiClient.From(context).IsBot)
        {
            return ApiErrors.Unauthorized();
        }

        var flags = (world.MembersIntent ? 1L << 14 : 0) | (world.MessageContentIntent ? 1L << 18 : 0);
        var bot = ApiJson.User(world.BotUser);
        var guildCount = world.Guilds.Count(g => g.BotPresent);
        var verifyKey = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(options.ClientId)));
        return TypedResults.Json(new ApplicationJson(options.ClientId, "ClipSaver", flags, bot, ApiJson.User(DemoUsers.Owner), verifyKey, [.. options.RedirectUris], guildCount));
    }

    private static IResult GetGuild(HttpContext context, EmulatorWorld world, string guild_id) =>
        WithGuild(context, world, guild_id, guild => TypedResults.Json(ApiJson.Guild(guild, world.Roles(guild.Id))));

    private static IResult GetRoles(HttpContext context, EmulatorWorld world, string guild_id) =>
        WithGuild(context, world, guild_id, guild => TypedResults.Json(world.Roles(guild.Id).Select(ApiJson.Role).ToArray()));

    private static IResult GetMember(HttpContext context, EmulatorWorld world, string guild_id, string user_id) =>
        WithGuild(context, world, guild_id, guild =>
            QueryReader.TryId(user_id, out var userId) && world.Member(guild.Id, userId) is { } member
                ? TypedResults.Json(ApiJson.Member(member))
                : ApiErrors.UnknownMember());

    /// <summary>Needs the GUILD_MEMBERS privileged intent; without it Discord answers 403 Missing Access.</summary>
    private static IResult ListMembers(HttpContext context, EmulatorWorld world, string guild_id) =>
        WithGuild(context, world, guild_id, guild =>
        {
            var query = new QueryReader(context.Request);
            var limit = query.Int("limit", 1, 1000, 1);
            var after = query.Snowflake("after") ?? 0;
            if (query.Error is { } error)
            {
                return error;
            }

            if (!world.MembersIntent)
            {
                return ApiErrors.MissingAccess();
            }

            return TypedResults.Json(world.Members(guild.Id).Where(m => m.User.Id > after).Take(limit).Select(ApiJson.Member).ToArray());
        });

    private static IResult GetChannels(HttpContext context, EmulatorWorld world, string guild_id) =>
        WithGuild(context, world, guild_id, guild =>
            TypedResults.Json(world.Channels(guild.Id).Where(c => !c.IsThread).Select(c => ApiJson.Channel(c, LastMessageId(world, c))).ToArray()));

    private static IResult GetActiveThreads(HttpContext context, EmulatorWorld world, string guild_id) =>
        WithGuild(context, world, guild_id, guild =>
        {
            var threads = world.Channels(guild.Id).Where(c => c.IsThread && !c.ThreadArchived);
            return TypedResults.Json(new ThreadListJson([.. threads.Select(c => ApiJson.Channel(c, LastMessageId(world, c)))], [], false));
        });

    private static IResult GetArchivedThreads(HttpContext context, EmulatorWorld world, EmulatorOptions options, string channel_id) =>
        WithChannel(context, world, channel_id, channel =>
        {
            var query = new QueryReader(context.Request);
            var before = query.Time("before") ?? DateTimeOffset.MaxValue;
            var limit = query.Int("limit", 2, 100, 50);
            if (query.Error is { } error)
            {
                return error;
            }

            if (channel.Type is not (0 or 5 or 15 or 16))
            {
                return ApiErrors.WrongChannelType();
            }

            var archived = world.Channels(channel.GuildId)
                .Where(c => c.ParentId == channel.Id && c.IsThread && c.ThreadArchived && c.ArchiveTimestamp < before)
                .OrderByDescending(c => c.ArchiveTimestamp)
                .ToList();
            var page = archived.Take(limit).Select(c => ApiJson.Channel(c, LastMessageId(world, c))).ToArray();
            return TypedResults.Json(new ThreadListJson(page, [], archived.Count > limit));
        });

    private static IResult GetMessages(HttpContext context, EmulatorWorld world, CdnSigner signer, string channel_id) =>
        WithChannel(context, world, channel_id, channel =>
        {
            var query = new QueryReader(context.Request);
            var limit = query.Int("limit", 1, 100, 50);
            var before = query.Snowflake("before");
            var after = query.Snowflake("after");
            var around = query.Snowflake("around");
            var cursors = MessageCursors.Where(query.Has).ToList();
            if (cursors.Count > 1)
            {
                query.Fail(cursors[1], "MESSAGE_QUERY_EXCLUSIVE", "Only one of before, after and around may be given.");
            }

            if (query.Error is { } error)
            {
                return error;
            }

            if (channel.Type is 4 or 15 or 16)
            {
                return ApiErrors.WrongChannelType();
            }

            var page = world.MessagePage(channel.Id, before, after, around, limit);
            var redact = !world.MessageContentIntent;
            var baseUrl = BaseUrl(context);
            return TypedResults.Json(page.Select(m => ApiJson.Message(m, redact && m.Author.Id != world.BotUser.Id, signer, baseUrl)).ToArray());
        });

    private static IResult GetMessage(HttpContext context, EmulatorWorld world, CdnSigner signer, string channel_id, string message_id) =>
        WithChannel(context, world, channel_id, channel =>
            QueryReader.TryId(message_id, out var id) && world.Message(channel.Id, id) is { } message
                ? TypedResults.Json(ApiJson.Message(message, !world.MessageContentIntent && message.Author.Id != world.BotUser.Id, signer, BaseUrl(context)))
                : ApiErrors.UnknownMessage());

    /// <summary>Runs <paramref name="action"/> for a guild the bot is in: unknown → 404 10004, not in it → 403 50001.</summary>
    private static IResult WithGuild(HttpContext context, EmulatorWorld world, string guildId, Func<EmulatedGuild, IResult> action)
    {
        if (!ApiClient.From(context).IsBot)
        {
            return ApiErrors.Unauthorized();
        }

        if (!QueryReader.TryId(guildId, out var id) || world.Guild(id) is not { } guild)
        {
            return ApiErrors.UnknownGuild();
        }

        return guild.BotPresent ? action(guild) : ApiErrors.MissingAccess();
    }

    /// <summary>Runs <paramref name="action"/> for a channel the bot can read: unknown → 404 10003, hidden → 403 50001.</summary>
    private static IResult WithChannel(HttpContext context, EmulatorWorld world, string channelId, Func<EmulatedChannel, IResult> action)
    {
        if (!ApiClient.From(context).IsBot)
        {
            return ApiErrors.Unauthorized();
        }

        if (!QueryReader.TryId(channelId, out var id) || world.Channel(id) is not { } channel)
        {
            return ApiErrors.UnknownChannel();
        }

        var readable = world.BotIsIn(channel.GuildId) && (world.BasePermissions(channel.GuildId, world.BotUser.Id) & ReadHistory) == ReadHistory;
        return readable ? action(channel) : ApiErrors.MissingAccess();
    }

    private static ulong? LastMessageId(EmulatorWorld world, EmulatedChannel channel) =>
        channel.Type is 4 or 15 or 16 ? null : world.MessagePage(channel.Id, null, null, null, 1) is [var last] ? last.Id : null;

    private static string BaseUrl(HttpContext context) =>
        string.Create(CultureInfo.InvariantCulture, $"{context.Request.Scheme}://{context.Request.Host}/");
}

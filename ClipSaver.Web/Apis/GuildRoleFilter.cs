namespace ClipSaver.Web.Apis;

/// <summary>The caller of a route under <c>/api/guilds/{guildId}</c> and their role there, resolved once by <see cref="GuildRoleFilter"/>.</summary>
public sealed record GuildCaller(long GuildId, long UserId, GuildRole Role, long? ApiTokenId = null)
{
    /// <summary>The caller as a use case's actor: the use case checks its own rights again (from the same cache).</summary>
    public Actor Actor => ApiTokenId is { } token ? Actor.ByToken(UserId, token) : Actor.User(UserId);
}

/// <summary>
/// The guild check of every <c>/api/guilds/{guildId}</c> route, done once in an endpoint filter (docs/decisions/007-access.md):
/// a guild the caller may not see is a 404, a guild they see without the role the route needs is a 403, and otherwise
/// the handler finds a <see cref="GuildCaller"/> with <see cref="Caller"/>. Actions that need more than a manager (purges,
/// owner-only) are use cases that check the owner live themselves, so no route asks this filter for more.
/// </summary>
public static class GuildRoleFilter
{
    /// <summary>A group for a guild's routes, below the <c>/api</c> group: <c>/guilds/{guildId}</c> with the role check.</summary>
    public static RouteGroupBuilder MapGuildGroup(this RouteGroupBuilder api) =>
        api.MapGroup("/guilds/{guildId}")
            .AddEndpointFilter(CheckAsync)
            .ProducesProblem(StatusCodes.Status404NotFound);

    /// <summary>The caller the filter resolved for this request.</summary>
    public static GuildCaller Caller(this HttpContext http) =>
        http.Features.Get<GuildCaller>() ?? throw new InvalidOperationException("This route is not under MapGuildGroup: no guild role was resolved.");

    private static async ValueTask<object?> CheckAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        // The handler's Snowflake parameter has already refused a malformed id with a 400 that names it.
        if (!Snowflake.TryParse(http.GetRouteValue("guildId") as string, out var id) || http.User.DiscordUserId() is not { } userId)
        {
            return ApiSetup.Unknown("guild");
        }

        var guildId = id.ToInt64();
        var role = await http.RequestServices.GetRequiredService<GuildAccess>().GetRoleAsync(guildId, userId, http.RequestAborted);
        if (role == GuildRole.None)
        {
            return ApiSetup.Unknown("guild");
        }

        http.Features.Set(new GuildCaller(guildId, userId, role, http.User.ToActor()?.ApiTokenId));
        return await next(context);
    }
}

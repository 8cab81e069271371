using ClipSaver.Core.Discord;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ClipSaver.Web.Apis;

/// <summary>The caller of a route under <c>/api/guilds/{guildId}</c> and their role there, resolved once by <see cref="GuildRoleFilter"/>.</summary>
public sealed record GuildCaller(long GuildId, long UserId, GuildRole Role)
{
    /// <summary>The caller as a use case's actor: the use case checks its own rights again (from the same cache).</summary>
    public Actor Actor => Actor.User(UserId);
}

/// <summary>Endpoint metadata: the role a guild route needs (a manager when absent), and whether it is read live from Discord.</summary>
public sealed record RequiredGuildRole(GuildRole Role, bool Live);

/// <summary>
/// The guild check of every <c>/api/guilds/{guildId}</c> route, done once in an endpoint filter (docs/decisions/007-access.md):
/// a guild the caller may not see is a 404, a guild they see without the role the route needs is a 403, and otherwise
/// the handler finds a <see cref="GuildCaller"/> with <see cref="Caller"/>. A route that needs more than a manager says
/// so with <see cref="RequireGuildRole"/>.
/// </summary>
public static class GuildRoleFilter
{
    /// <summary>A group for a guild's routes, below the <c>/api</c> group: <c>/guilds/{guildId}</c> with the role check.</summary>
    public static RouteGroupBuilder MapGuildGroup(this RouteGroupBuilder api) =>
        api.MapGroup("/guilds/{guildId}")
            .AddEndpointFilter(CheckAsync)
            .ProducesProblem(StatusCodes.Status404NotFound);

    /// <summary>The route needs <paramref name="role"/> (403 below it); <paramref name="live"/> reads the role from Discord now, as purges do.</summary>
    public static RouteHandlerBuilder RequireGuildRole(this RouteHandlerBuilder endpoint, GuildRole role, bool live = false) =>
        endpoint.WithMetadata(new RequiredGuildRole(role, live)).ProducesProblem(StatusCodes.Status403Forbidden);

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
        var required = http.GetEndpoint()?.Metadata.GetMetadata<RequiredGuildRole>() ?? new RequiredGuildRole(GuildRole.Manager, Live: false);
        var (role, refusal) = await ResolveAsync(userId, http.RequestServices.GetRequiredService<GuildAccess>(), guildId, required, http.RequestAborted);
        if (refusal is not null)
        {
            return refusal;
        }

        http.Features.Set(new GuildCaller(guildId, userId, role));
        return await next(context);
    }

    /// <summary>The user's role in the guild, and the refusal when it falls short: 404 for no role at all, 403 below the required one.</summary>
    public static async Task<(GuildRole Role, ProblemHttpResult? Refusal)> ResolveAsync(long userId, GuildAccess access, long guildId, RequiredGuildRole required, CancellationToken cancellationToken)
    {
        var role = required.Live ? await access.GetLiveRoleAsync(guildId, userId, cancellationToken) : await access.GetRoleAsync(guildId, userId, cancellationToken);
        return role == GuildRole.None ? (role, ApiSetup.Unknown("guild"))
            : role < required.Role ? (role, ApiSetup.Forbidden(required.Role))
            : (role, null);
    }
}

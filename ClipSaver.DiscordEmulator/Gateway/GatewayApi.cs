namespace ClipSaver.DiscordEmulator.Gateway;

/// <summary>
/// <c>GET /api/v10/gateway/bot</c>, the WebSocket endpoints (<c>/gateway</c>, and <c>/gateway-resume</c> as the
/// sessions' <c>resume_gateway_url</c>) and the Gateway's control routes under <c>/_emulator/gateway</c>.
/// </summary>
internal static class GatewayApi
{
    public const string Path = "/gateway";
    public const string ResumePath = "/gateway-resume";

    public static void MapGatewayApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v10/gateway/bot", GetGatewayBot);
        app.Map(Path, context => AcceptAsync(context, onResumeUrl: false));
        app.Map(ResumePath, context => AcceptAsync(context, onResumeUrl: true));

        var control = app.MapGroup("/_emulator/gateway");
        control.MapGet("/", (GatewayHub hub) => new
        {
            identifies = hub.Identifies,
            resumes = hub.Resumes,
            resumes_on_resume_url = hub.ResumesOnResumeUrl,
            identifies_too_soon = hub.IdentifiesTooSoon,
            session_start_remaining = hub.SessionStartRemaining,
            max_live_sessions_of_any_shard = hub.MaxLiveSessionsOfAnyShard,
        });
        control.MapPost("/faults", (GatewayHub hub, GatewayFault fault) => fault.Action switch
        {
            "drop" => Done(() => hub.Drop(fault.Shard)),
            "reconnect" => Done(() => hub.SendReconnect(fault.Shard)),
            "heartbeat" => Done(() => hub.RequestHeartbeat(fault.Shard)),
            "invalidate" => Done(() => hub.InvalidateSession(fault.Resumable, fault.Shard)),
            "close" when fault.Code is >= 1000 and < 5000 => Done(() => hub.Close(fault.Code.Value, fault.Shard)),
            _ => Results.BadRequest(new { message = "action must be drop, reconnect, heartbeat, invalidate (with resumable) or close (with a code from 1000 to 4999)." }),
        });
        control.MapPut("/acks", (GatewayHub hub, AckBody body) =>
        {
            hub.SwallowAcks = body.Swallow;
            hub.AckDelay = TimeSpan.FromMilliseconds(Math.Clamp(body.DelayMs, 0, 600_000));
            return Results.NoContent();
        });
        control.MapPut("/resumes", (GatewayHub hub, ResumeBody body) => Done(() => hub.RefuseResumes = body.Refuse));
    }

    /// <summary>The Gateway's URL, the recommended shard count and the session start limit (docs: events/gateway.mdx).</summary>
    private static IResult GetGatewayBot(HttpContext context, GatewayHub hub)
    {
        if (!ApiClient.From(context).IsBot)
        {
            return ApiErrors.Unauthorized();
        }

        var limit = new { total = hub.Settings.SessionStartLimit, remaining = hub.SessionStartRemaining, reset_after = 86_400_000, max_concurrency = hub.Settings.MaxConcurrency };
        return TypedResults.Json(new { url = WebSocketUrl(context.Request, Path), shards = hub.Settings.Shards, session_start_limit = limit });
    }

    private static async Task AcceptAsync(HttpContext context, bool onResumeUrl)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        var services = context.RequestServices;
        var options = services.GetRequiredService<EmulatorOptions>();
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var version = context.Request.Query["v"].ToString();
        if (version != "10")
        {
            await socket.CloseOutputAsync((System.Net.WebSockets.WebSocketCloseStatus)4012, "Invalid API version.", context.RequestAborted);
            return;
        }

        using var connection = new GatewayConnection(socket, services.GetRequiredService<GatewayHub>(), options.BotToken, services.GetRequiredService<EmulatorWorld>(),
            onResumeUrl, WebSocketUrl(context.Request, ResumePath));
        await connection.RunAsync(context.RequestAborted);
    }

    private static string WebSocketUrl(HttpRequest request, string path) =>
        string.Create(CultureInfo.InvariantCulture, $"ws://{request.Host}{path}");

    private static IResult Done(Action action)
    {
        action();
        return Results.NoContent();
    }
}

internal sealed record GatewayFault(string Action, int? Shard = null, bool Resumable = true, int? Code = null);

internal sealed record AckBody(bool Swallow, int DelayMs = 0);

internal sealed record ResumeBody(bool Refuse);

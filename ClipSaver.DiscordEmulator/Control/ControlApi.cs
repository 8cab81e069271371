namespace ClipSaver.DiscordEmulator.Control;

/// <summary>
/// The world's control methods over HTTP under <c>/_emulator</c> (JSON), for demos and manual testing.
/// Unknown ids answer 404.
/// </summary>
internal static class ControlApi
{
    public static void MapControlApi(this IEndpointRouteBuilder app)
    {
        var control = app.MapGroup("/_emulator");
        control.MapGet("/world", (EmulatorWorld world) => new
        {
            guilds = world.Guilds,
            intents = new { members = world.MembersIntent, message_content = world.MessageContentIntent },
            demo_users = DemoUsers.All,
        });
        control.MapGet("/guilds/{guildId}", (EmulatorWorld world, ulong guildId) => Run(() => new
        {
            guild = world.Guild(guildId) ?? throw new KeyNotFoundException(),
            roles = world.Roles(guildId),
            channels = world.Channels(guildId),
            members = world.Members(guildId),
        }));
        control.MapPost("/guilds/{guildId}/bot", (EmulatorWorld world, ulong guildId, PermissionsBody? body) =>
            Run(() => world.AddBotToGuild(guildId, body?.Permissions ?? 66560)));
        control.MapDelete("/guilds/{guildId}/bot", (EmulatorWorld world, ulong guildId) => Run(() => world.RemoveBotFromGuild(guildId)));
        control.MapPost("/guilds/{guildId}/channels", (EmulatorWorld world, ulong guildId, ChannelBody body) =>
            Run(() => world.CreateChannel(guildId, body.Name, body.Type, body.ParentId, body.Nsfw)));
        control.MapPatch("/channels/{channelId}", (EmulatorWorld world, ulong channelId, ChannelBody body) => Run(() => world.RenameChannel(channelId, body.Name)));
        control.MapDelete("/channels/{channelId}", (EmulatorWorld world, ulong channelId) => Run(() => world.DeleteChannel(channelId)));
        control.MapGet("/channels/{channelId}/messages", (EmulatorWorld world, ulong channelId, int? limit, ulong? before) =>
            Run(() => world.Messages(channelId, Math.Clamp(limit ?? 50, 1, 100), before)));
        control.MapPost("/channels/{channelId}/messages", (EmulatorWorld world, ulong channelId, MessageBody body) =>
            Run(() => world.PostMessage(channelId, body.AuthorId, body.Content ?? "", [.. body.Attachments ?? []])));
        control.MapPost("/channels/{channelId}/video-links", (EmulatorWorld world, ulong channelId, LinkBody body) =>
            Run(() => world.PostVideoLink(channelId, body.AuthorId, body.Url)));
        control.MapPatch("/channels/{channelId}/messages/{messageId}", (EmulatorWorld world, ulong channelId, ulong messageId, EditBody body) =>
            Run(() => world.EditMessage(channelId, messageId, body.Content)));
        control.MapPost("/channels/{channelId}/messages/bulk-delete", (EmulatorWorld world, ulong channelId, BulkDeleteBody body) =>
            Run(() => new { deleted = world.DeleteMessages(channelId, body.Messages) }));
        control.MapPut("/guilds/{guildId}/available", (EmulatorWorld world, ulong guildId, AvailableBody body) => Run(() => world.SetGuildAvailable(guildId, body.Available)));
        control.MapPatch("/guilds/{guildId}", (EmulatorWorld world, ulong guildId, ChannelBody body) => Run(() => world.RenameGuild(guildId, body.Name)));
        control.MapDelete("/channels/{channelId}/messages/{messageId}", (EmulatorWorld world, ulong channelId, ulong messageId) =>
            Run(() => world.DeleteMessage(channelId, messageId) ? Results.NoContent() : throw new KeyNotFoundException()));
        control.MapPut("/guilds/{guildId}/members/{userId}", (EmulatorWorld world, ulong guildId, ulong userId, MemberBody body) =>
            Run(() => world.AddMember(guildId, world.User(userId) ?? new EmulatedUser(userId, body.Username ?? $"user-{userId}", body.GlobalName, null), [.. body.Roles ?? []])));
        control.MapDelete("/guilds/{guildId}/members/{userId}", (EmulatorWorld world, ulong guildId, ulong userId) =>
            Run(() => world.RemoveMember(guildId, userId) ? Results.NoContent() : throw new KeyNotFoundException()));
        control.MapPut("/guilds/{guildId}/members/{userId}/roles", (EmulatorWorld world, ulong guildId, ulong userId, ulong[] roles) =>
            Run(() => world.SetMemberRoles(guildId, userId, roles)));
        control.MapPut("/guilds/{guildId}/roles/{roleId}/permissions", (EmulatorWorld world, ulong guildId, ulong roleId, PermissionsBody body) =>
            Run(() => world.SetRolePermissions(guildId, roleId, body.Permissions)));
        control.MapPut("/guilds/{guildId}/owner", (EmulatorWorld world, ulong guildId, OwnerBody body) => Run(() => world.SetOwner(guildId, body.UserId)));
        control.MapPut("/intents", (EmulatorWorld world, IntentsBody body) => world.SetIntents(body.Members, body.MessageContent));
        control.MapGet("/stats", (EmulatorStats stats) => stats.Clients.ToDictionary(c => c, stats.For));
        control.MapGet("/faults", (FaultSettings faults) => faults.Rules);
        control.MapPost("/faults", AddFaultAsync);
        control.MapDelete("/faults", (FaultSettings faults) => faults.Clear());
    }

    /// <summary>A rule is read by hand, so that a body of the wrong shape gets a 400 that says why, as a bad value does.</summary>
    private static async Task<IResult> AddFaultAsync(FaultSettings faults, HttpRequest request)
    {
        FaultRule? rule;
        try
        {
            rule = request.HasJsonContentType() ? await request.ReadFromJsonAsync<FaultRule>(request.HttpContext.RequestAborted) : null;
        }
        catch (JsonException e)
        {
            return Results.BadRequest(new { message = $"The fault rule is not valid: {e.Message}" });
        }

        return rule is null
            ? Results.BadRequest(new { message = "A fault rule is required as a JSON object: {\"route_pattern\": \"*\", \"error_share\": 0.5}." })
            : Run(() => faults.Add(rule));
    }

    private static IResult Run(Action action) => Run(() =>
    {
        action();
        return Results.NoContent();
    });

    private static IResult Run<T>(Func<T> action)
    {
        try
        {
            var value = action();
            return value as IResult ?? Results.Json(value);
        }
        catch (KeyNotFoundException e)
        {
            return Results.NotFound(new { message = e.Message });
        }
        catch (ArgumentException e)
        {
            return Results.BadRequest(new { message = e.Message });
        }
    }
}

internal sealed record PermissionsBody(ulong Permissions);

internal sealed record ChannelBody(string Name, int Type = 0, ulong? ParentId = null, bool Nsfw = false);

internal sealed record MessageBody(ulong AuthorId, string? Content, NewAttachment[]? Attachments);

internal sealed record MemberBody(string? Username, string? GlobalName, ulong[]? Roles);

internal sealed record OwnerBody(ulong UserId);

internal sealed record IntentsBody(bool Members, bool MessageContent);

internal sealed record LinkBody(ulong AuthorId, string Url);

internal sealed record EditBody(string Content);

internal sealed record BulkDeleteBody(ulong[] Messages);

internal sealed record AvailableBody(bool Available);

using System.Text.Json.Nodes;
using static ClipSaver.Web.Apis.ApiSetup;

namespace ClipSaver.Web.Apis;

/// <summary>A guild's settings history and "restore this version" over REST (docs/decisions/023-settings-history.md).</summary>
public static class SettingsHistoryApi
{
    /// <summary>Who made a change: <c>user</c>, <c>api_token</c> (a user through one of their tokens) or <c>system</c>; <c>defaults</c> for the initial version of a guild that never changed its settings.</summary>
    public sealed record ActorDto(string Kind, string? UserId, string? Name, string? TokenId, string? TokenName, string Display);

    public sealed record ChangeDto(string Field, string Label, JsonNode? Before, JsonNode? After, string BeforeText, string AfterText);

    /// <summary>One version: <see cref="Settings"/> are the values it restores; <see cref="Summary"/> the line the page shows.</summary>
    public sealed record VersionDto(string Id, DateTimeOffset At, SettingsVersionKind Kind, ActorDto Actor, IReadOnlyList<ChangeDto> Changes,
        string? RestoredFromId, DateTimeOffset? RestoredFromAt, string Summary, GuildSettings Settings);

    /// <summary><see cref="Changed"/> is false when the version already equals the settings: nothing was written.</summary>
    public sealed record RestoreDto(bool Changed, string Message, string? VersionId, IReadOnlyList<ChangeDto> Changes, GuildSettings Settings);

    public static IEndpointRouteBuilder MapSettingsHistoryApi(this IEndpointRouteBuilder app)
    {
        var guild = app.MapApiGroup().WithTags("Guilds").MapGuildGroup();
        guild.MapGet("/settings/history", ListAsync).WithSummary("The guild's settings history, newest first (cursor paging)").ProducesProblems(400);
        guild.MapPost("/settings/history/{versionId}/restore", RestoreAsync).WithSummary("Restore one version of the guild's settings")
            .WithDescription("Goes through the same rules as PUT /settings and writes a history entry of its own. A version equal to the current settings changes nothing (changed: false).")
            .ProducesProblems(400, 409);
        return app;
    }

    private static async Task<Results<Ok<GuildsApi.Page<VersionDto>>, ValidationProblem, ProblemHttpResult>> ListAsync(Snowflake guildId, string? cursor, int? limit, HttpContext http,
        SettingsHistory history, CancellationToken ct)
    {
        if (GuildsApi.CheckLimit(limit) is { } bad)
        {
            return bad;
        }

        return await history.ListAsync(http.Caller().Actor, guildId.ToInt64(), cursor, limit ?? 50, ct) switch
        {
            SettingsHistoryResult.Listed l => TypedResults.Ok(new GuildsApi.Page<VersionDto>([.. l.Entries.Select(ToDto)], l.NextCursor)),
            SettingsHistoryResult.BadCursor => GuildsApi.BadCursor(),
            SettingsHistoryResult.UnknownGuild => Unknown("guild"),
            _ => throw new InvalidOperationException("Unknown history result."),
        };
    }

    private static async Task<Results<Ok<RestoreDto>, ValidationProblem, ProblemHttpResult>> RestoreAsync(Snowflake guildId, long versionId, HttpContext http, RestoreGuildSettings restore,
        CancellationToken ct) =>
        await restore.RestoreAsync(http.Caller().Actor, guildId.ToInt64(), versionId, ct) switch
        {
            SettingsChangeResult.Saved { Changed: false } s => TypedResults.Ok(new RestoreDto(false, RestoreMessages.Unchanged, null, [], s.Settings)),
            SettingsChangeResult.Saved s => TypedResults.Ok(new RestoreDto(true, RestoreMessages.Restored(s.Changes), Id(s.VersionId!.Value), [.. s.Changes.Select(ToDto)], s.Settings)),
            SettingsChangeResult.Invalid i => TypedResults.ValidationProblem(GuildsApi.CamelKeys(i.Errors), title: "This version's settings are no longer valid."),
            SettingsChangeResult.GuildRemoved => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Read-only.", detail: ChangeGuildSettings.ReadOnlyMessage),
            SettingsChangeResult.UnknownVersion => Unknown("settings version"),
            SettingsChangeResult.UnknownGuild => Unknown("guild"),
            _ => throw new InvalidOperationException("Unknown restore result."),
        };

    private static VersionDto ToDto(SettingsHistoryEntry e) => new(Id(e.Id), e.At, e.Kind,
        new ActorDto(
            e.Kind == SettingsVersionKind.Initial && e.ActorUserId is null ? "defaults" : e.ActorUserId is null ? "system" : e.ApiTokenId is null ? "user" : "api_token",
            e.ActorUserId is { } u ? Id(u) : null, e.ActorName, e.ApiTokenId is { } t ? Id(t) : null, e.ApiTokenName, e.Who),
        [.. e.Changes.Select(ToDto)], e.RestoredFromId is { } r ? Id(r) : null, e.RestoredFromAt, e.Summary, e.Settings);

    private static ChangeDto ToDto(SettingsChange c) => new(c.Field, c.Label, c.Before, c.After, c.BeforeText, c.AfterText);
}

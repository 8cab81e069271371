using ClipSaver.Core.Exports;
using ClipSaver.Core.Storage;
using static ClipSaver.Web.Apis.ApiSetup;

namespace ClipSaver.Web.Apis;

/// <summary>
/// Exports over REST: a member's own clips, or a guild's (its owner's), as ZIP parts with a manifest, built by a job;
/// each export is its user's alone, whoever else may see the guild (docs/decisions/018-members-own-data.md).
/// </summary>
public static class ExportsApi
{
    public sealed record MyExportBody(string? GuildId);

    public sealed record GuildExportBody(string? ChannelId);

    public sealed record ExportPartDto(int Number, long SizeBytes, long Clips, string Url);

    /// <summary>An export: what it holds, how far its job got, and its parts (downloadable until <see cref="ExpiresAt"/>).</summary>
    public sealed record ExportDto(string Id, string Kind, string? GuildId, string? ChannelId, ExportStatus Status, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt,
        DateTimeOffset? FinishedAt, DateTimeOffset ExpiresAt, long ClipsTotal, long ClipsDone, long BytesDone, string? Error, IReadOnlyList<ExportPartDto> Parts);

    public static IEndpointRouteBuilder MapExportsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapApiGroup().WithTags("Exports");
        api.MapPost("/me/exports", MineAsync).WithSummary("Export the caller's own clips (everywhere, or of one guild) as ZIP parts with a manifest")
            .WithDescription("One export at a time per user: 409 while the previous one is being built. Follow it at the Location.").ProducesProblems(400, 409, 415);
        api.MapGet("/me/exports", ListAsync).WithSummary("The caller's exports, newest first");
        api.MapPost("/guilds/{guildId}/exports", GuildAsync).WithSummary("Export a guild's archive, or one channel with its threads (owner only)")
            .ProducesProblems(400, 403, 404, 409, 415);
        api.MapGet("/exports/{id}", GetAsync).WithSummary("One of the caller's exports: status, progress and parts").ProducesProblems(400, 404);
        api.MapGet("/exports/{id}/parts/{n}", PartAsync).WithSummary("Download one part of an export (range requests supported)")
            .Produces<Stream>(StatusCodes.Status200OK, "application/zip")
            .Produces<Stream>(StatusCodes.Status206PartialContent, "application/zip")
            .ProducesProblems(400, 404, 416);
        api.MapDelete("/exports/{id}", DeleteAsync).WithSummary("Delete one of the caller's exports and its files").ProducesProblems(400, 404);
        return app;
    }

    private static Actor Caller(HttpContext http) => Actor.User(http.User.DiscordUserId()!.Value);

    private static async Task<Results<Accepted<ExportDto>, ProblemHttpResult>> MineAsync(MyExportBody? body, HttpContext http, RequestExport request, ClipSaverDbContext db, CancellationToken ct)
    {
        if (ParseId(body?.GuildId, "guildId", out var guildId) is { } bad)
        {
            return bad;
        }

        return await AnswerAsync(await request.MineAsync(Caller(http), guildId, ct), db, ct);
    }

    private static async Task<Results<Accepted<ExportDto>, ProblemHttpResult>> GuildAsync(Snowflake guildId, GuildExportBody? body, HttpContext http, RequestExport request, ClipSaverDbContext db, CancellationToken ct)
    {
        if (ParseId(body?.ChannelId, "channelId", out var channelId) is { } bad)
        {
            return bad;
        }

        return await AnswerAsync(await request.GuildAsync(Caller(http), guildId.ToInt64(), channelId, ct), db, ct);
    }

    private static async Task<Ok<List<ExportDto>>> ListAsync(HttpContext http, ClipSaverDbContext db, CancellationToken ct)
    {
        var userId = http.User.DiscordUserId()!.Value;
        var exports = await db.Exports.AsNoTracking().Where(x => x.UserId == userId).OrderByDescending(x => x.CreatedAt).Take(20).ToListAsync(ct);
        var list = new List<ExportDto>();
        foreach (var e in exports)
        {
            list.Add(await ToDtoAsync(e, db, ct));
        }

        return TypedResults.Ok(list);
    }

    private static async Task<Results<Ok<ExportDto>, ProblemHttpResult>> GetAsync(long id, HttpContext http, ClipSaverDbContext db, CancellationToken ct)
    {
        var userId = http.User.DiscordUserId()!.Value;
        var export = await db.Exports.AsNoTracking().FirstOrDefaultAsync(x => x.Id == id && x.UserId == userId, ct);
        return export is null ? Unknown("export") : TypedResults.Ok(await ToDtoAsync(export, db, ct));
    }

    private static async Task<Results<FileStreamHttpResult, ProblemHttpResult>> PartAsync(long id, int n, HttpContext http, ClipSaverDbContext db, IClipStorage storage, TimeProvider clock, CancellationToken ct)
    {
        var userId = http.User.DiscordUserId()!.Value;
        var now = clock.GetUtcNow();
        var part = await db.ExportParts.AsNoTracking()
            .Where(p => p.ExportId == id && p.Number == n && db.Exports.Any(x => x.Id == id && x.UserId == userId && x.ExpiresAt > now))
            .FirstOrDefaultAsync(ct);
        if (part is null)
        {
            return Unknown("export part");
        }

        if (part.UnsyncedBoot is { } boot && boot != BootId.Current)
        {
            // Written by a boot of the server that ended before the part was on its disk (decision 031).
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "This part is being built again.",
                detail: "The server restarted before the part was safely on its disk; the export is built again from this part. Try again in a few minutes.");
        }

        if (await storage.OpenReadAsync(part.StorageKey, ct) is not { } stream)
        {
            return Unknown("export part");
        }

        return TypedResults.Stream(stream, "application/zip", $"clipsaver-export-{id}-part-{n}.zip", enableRangeProcessing: true);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(long id, HttpContext http, DeleteExport delete, CancellationToken ct) =>
        await delete.RunAsync(Caller(http), id, ct) is ExportResult.Deleted ? TypedResults.NoContent() : Unknown("export");

    private static async Task<Results<Accepted<ExportDto>, ProblemHttpResult>> AnswerAsync(ExportResult result, ClipSaverDbContext db, CancellationToken ct) => result switch
    {
        ExportResult.Accepted a => TypedResults.Accepted($"/api/exports/{a.Export.Id}", await ToDtoAsync(a.Export, db, ct)),
        ExportResult.Busy b => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "An export is already being built.",
            detail: $"One export at a time: wait for /api/exports/{b.ExportId} to finish, or delete it."),
        ExportResult.NotOwner => Forbidden(GuildRole.Owner),
        ExportResult.NotFound n => Unknown(n.What),
        _ => throw new InvalidOperationException("Unknown export result."),
    };

    private static ProblemHttpResult? ParseId(string? text, string name, out long? id)
    {
        id = null;
        if (text is null)
        {
            return null;
        }

        if (!Snowflake.TryParse(text, out var parsed) || parsed.ToInt64() < 0)
        {
            return BadRequest("Invalid parameter.", $"'{name}' must be a Discord id (a number, as a string), or left out.");
        }

        id = parsed.ToInt64();
        return null;
    }

    internal static async Task<ExportDto> ToDtoAsync(Export e, ClipSaverDbContext db, CancellationToken ct)
    {
        var parts = await db.ExportParts.AsNoTracking().Where(p => p.ExportId == e.Id).OrderBy(p => p.Number)
            .Select(p => new { p.Number, p.SizeBytes, p.Clips }).ToListAsync(ct);
        return new ExportDto(Id(e.Id), e.IsGuildExport ? "guild" : "member", e.GuildId is { } g ? Id(g) : null, e.ChannelId is { } c ? Id(c) : null, e.Status,
            e.CreatedAt, e.StartedAt, e.FinishedAt, e.ExpiresAt, e.ClipsTotal, e.ClipsDone, e.BytesDone, e.Error,
            [.. parts.Select(p => new ExportPartDto(p.Number, p.SizeBytes, p.Clips, $"/api/exports/{e.Id}/parts/{p.Number}"))]);
    }
}

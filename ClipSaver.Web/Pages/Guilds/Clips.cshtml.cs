using System.Globalization;
using ClipSaver.Core.Data;
using ClipSaver.Core.Storage;
using ClipSaver.Web.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace ClipSaver.Web.Pages.Guilds;

/// <summary>
/// The clip browser: newest first, filters by channel, author and dates, keyset paging ("load more" with htmx), a
/// player that streams the stored file with range requests.
/// </summary>
[Authorize]
public sealed class ClipsModel(ClipSaverDbContext db, GuildContext context, IClipStorage storage) : PageModel
{
    public const int PageSize = 24;

    public sealed record ClipCard(long Id, long ChannelId, string Channel, long MessageId, string Author, string FileName, string? ContentType, long SizeBytes,
        double? DurationSecs, DateTimeOffset PostedAt, bool HasFile, string? EmbedUrl, string? SkipReason);

    public sealed record Choice(long Id, string Name);

    public sealed class Filter
    {
        public long? Channel { get; set; }
        public long? Author { get; set; }
        public DateOnly? From { get; set; }
        public DateOnly? To { get; set; }

        /// <summary>Keyset cursor: the last clip shown, as "postedAtTicks_id".</summary>
        public string? After { get; set; }
    }

    public GuildHeader Guild { get; private set; } = null!;

    [BindProperty(SupportsGet = true)]
    public Filter Query { get; set; } = new();

    public IReadOnlyList<ClipCard> Clips { get; private set; } = [];
    public string? NextCursor { get; private set; }
    public IReadOnlyList<Choice> Channels { get; private set; } = [];
    public IReadOnlyList<Choice> Authors { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(long guildId, CancellationToken cancellationToken)
    {
        if (await context.LoadAsync(guildId, User, cancellationToken) is not { } guild)
        {
            return NotFound();
        }

        Guild = guild;
        var clips = db.Clips.AsNoTracking().Where(c => c.GuildId == guildId);
        if (Query.Channel is { } channel)
        {
            clips = clips.Where(c => c.ChannelId == channel);
        }

        if (Query.Author is { } author)
        {
            clips = clips.Where(c => c.AuthorId == author);
        }

        if (Query.From is { } from)
        {
            var since = new DateTimeOffset(from.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            clips = clips.Where(c => c.PostedAt >= since);
        }

        if (Query.To is { } to)
        {
            var until = new DateTimeOffset(to.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            clips = clips.Where(c => c.PostedAt < until);
        }

        if (ParseCursor(Query.After) is { } cursor)
        {
            clips = clips.Where(c => c.PostedAt < cursor.PostedAt || (c.PostedAt == cursor.PostedAt && c.Id < cursor.Id));
        }

        var page = await clips.OrderByDescending(c => c.PostedAt).ThenByDescending(c => c.Id).Take(PageSize + 1)
            .Select(c => new ClipCard(c.Id, c.ChannelId, db.Channels.Where(ch => ch.Id == c.ChannelId).Select(ch => ch.Name).FirstOrDefault() ?? "?", c.MessageId,
                db.Users.Where(u => u.Id == c.AuthorId).Select(u => u.GlobalName ?? u.Username).FirstOrDefault() ?? "?",
                c.FileName, c.ContentType, c.SizeBytes, c.DurationSecs, c.PostedAt, c.StorageKey != null, c.EmbedUrl, c.SkipReason))
            .ToListAsync(cancellationToken);
        Clips = page.Count > PageSize ? page[..PageSize] : page;
        NextCursor = page.Count > PageSize ? $"{Clips[^1].PostedAt.UtcTicks.ToString(CultureInfo.InvariantCulture)}_{Clips[^1].Id.ToString(CultureInfo.InvariantCulture)}" : null;

        Response.VaryOnHtmx();
        if (Request.WantsFragment())
        {
            return Partial("_ClipPage", this);
        }

        Channels = await db.Channels.AsNoTracking().Where(c => c.GuildId == guildId && c.ClipCount > 0).OrderBy(c => c.Name)
            .Select(c => new Choice(c.Id, c.Name)).ToListAsync(cancellationToken);
        Authors = await db.GuildMembers.AsNoTracking().Where(m => m.GuildId == guildId)
            .Join(db.Users, m => m.UserId, u => u.Id, (m, u) => u)
            .OrderBy(u => u.GlobalName ?? u.Username).Take(500)
            .Select(u => new Choice(u.Id, u.GlobalName ?? u.Username)).ToListAsync(cancellationToken);
        return Page();
    }

    /// <summary>The stored file, with range requests (seeking in the player), for people who may see the guild.</summary>
    public async Task<IActionResult> OnGetFileAsync(long guildId, long clipId, bool download, CancellationToken cancellationToken)
    {
        if (await context.LoadAsync(guildId, User, cancellationToken) is null)
        {
            return NotFound();
        }

        var clip = await db.Clips.AsNoTracking().Where(c => c.Id == clipId && c.GuildId == guildId)
            .Select(c => new { c.StorageKey, c.ContentType, c.FileName }).FirstOrDefaultAsync(cancellationToken);
        if (clip?.StorageKey is null || await storage.OpenReadAsync(clip.StorageKey, cancellationToken) is not { } stream)
        {
            return NotFound();
        }

        var type = clip.ContentType is { } t && t.StartsWith("video/", StringComparison.Ordinal) ? t : "application/octet-stream";
        return new FileStreamResult(stream, type) { EnableRangeProcessing = true, FileDownloadName = download ? clip.FileName : null };
    }

    private static (DateTimeOffset PostedAt, long Id)? ParseCursor(string? cursor)
    {
        var parts = cursor?.Split('_');
        return parts is [var ticks, var id]
            && long.TryParse(ticks, NumberStyles.None, CultureInfo.InvariantCulture, out var t) && t is > 0 and < 3155378975999999999
            && long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var i)
            ? (new DateTimeOffset(t, TimeSpan.Zero), i)
            : null;
    }
}

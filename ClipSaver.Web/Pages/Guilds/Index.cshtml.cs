namespace ClipSaver.Web.Pages.Guilds;

/// <summary>
/// The guilds the signed-in user owns or manages, from Discord's OAuth guild list stored at login, split into those
/// ClipSaver is in and those it can be added to.
/// </summary>
[Authorize]
public sealed class IndexModel(ClipSaverDbContext db) : PageModel
{
    public sealed record GuildCard(long Id, string Name, string? Icon, bool IsOwner, bool Present, DateTimeOffset? RemovedAt);

    public IReadOnlyList<GuildCard> Present { get; private set; } = [];
    public IReadOnlyList<GuildCard> Addable { get; private set; } = [];
    public DateTimeOffset? ListedAt { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var userId = User.DiscordUserId()!.Value;
        var rows = await db.UserGuildAccess
            .Where(a => a.UserId == userId)
            .Select(a => new
            {
                a.GuildId,
                a.GuildName,
                a.GuildIcon,
                a.IsOwner,
                a.Permissions,
                a.CheckedAt,
                Guild = db.Guilds.Where(g => g.Id == a.GuildId).Select(g => new { g.DeletedAt, g.PurgedAt }).FirstOrDefault(),
            })
            .ToListAsync(cancellationToken);

        // A server the user owns and purged: its access row went with the purge, but the server is still theirs on
        // Discord, so it stays listed with "Add ClipSaver" until the next login says otherwise.
        var listed = rows.Select(r => r.GuildId).ToList();
        var purged = await db.Guilds.AsNoTracking()
            .Where(g => g.OwnerId == userId && g.PurgedAt != null && !listed.Contains(g.Id))
            .Select(g => new GuildCard(g.Id, g.Name, g.IconHash, true, false, g.DeletedAt))
            .ToListAsync(cancellationToken);
        var cards = rows
            .Where(r => GuildRights.CanManage(r.IsOwner, r.Permissions))
            .Select(r => new GuildCard(r.GuildId, r.GuildName, r.GuildIcon, r.IsOwner, r.Guild is not null && r.Guild.PurgedAt is null, r.Guild?.DeletedAt))
            .Concat(purged)
            .OrderBy(c => c.Name, StringComparer.CurrentCultureIgnoreCase)
            .ToList();
        Present = [.. cards.Where(c => c.Present)];
        Addable = [.. cards.Where(c => !c.Present)];
        ListedAt = rows.Count > 0 ? rows.Max(r => r.CheckedAt) : null;
    }
}

namespace ClipSaver.Web.Pages.Guilds;

/// <summary>One clip on a page of its own: the player, what is known about it, the Discord message, the download.</summary>
[Authorize]
public sealed class ClipModel(ClipSaverDbContext db, GuildContext context) : PageModel
{
    public sealed record Details(Clip Clip, string Channel, string Author);

    public GuildHeader Guild { get; private set; } = null!;
    public Details View { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(long guildId, long clipId, CancellationToken cancellationToken)
    {
        if (await context.LoadAsync(guildId, User, cancellationToken) is not { } guild)
        {
            return NotFound();
        }

        var row = await db.Clips.AsNoTracking().Where(c => c.Id == clipId && c.GuildId == guildId)
            .Select(c => new
            {
                Clip = c,
                Channel = db.Channels.Where(x => x.Id == c.ChannelId).Select(x => x.Name).FirstOrDefault(),
                Author = db.Users.Where(u => u.Id == c.AuthorId).Select(u => u.GlobalName ?? u.Username).FirstOrDefault(),
            })
            .FirstOrDefaultAsync(cancellationToken);
        if (row is null)
        {
            return NotFound();
        }

        (Guild, View) = (guild, new Details(row.Clip, row.Channel ?? Display.UnknownChannel, row.Author ?? Display.UnknownAuthor));
        return Page();
    }
}

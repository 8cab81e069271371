using Microsoft.AspNetCore.WebUtilities;

namespace ClipSaver.Web.Pages.Guilds;

/// <summary>
/// "Add ClipSaver" and "Re-invite": records an install intent and sends the browser to Discord's bot authorization.
/// Discord's answer comes back to <see cref="InstallCallbackModel"/>.
/// </summary>
[Authorize]
public sealed class InstallModel(ClipSaverDbContext db, GuildAccess access, InstallIntents intents, IOptions<DiscordOptions> discord, IOptions<InstallOptions> install) : PageModel
{
    public async Task<IActionResult> OnGetAsync(long guildId, CancellationToken cancellationToken)
    {
        var userId = User.DiscordUserId()!.Value;
        var listed = await db.UserGuildAccess.AsNoTracking().Where(a => a.UserId == userId && a.GuildId == guildId)
            .Select(a => new { a.IsOwner, a.Permissions }).FirstOrDefaultAsync(cancellationToken);
        var mayInstall = (listed is not null && GuildRights.CanManage(listed.IsOwner, listed.Permissions))
            // A server its owner purged (the bot left it, and the access row went with the purge); Discord's own
            // authorization screen checks the rights again.
            || await db.Guilds.AnyAsync(g => g.Id == guildId && g.OwnerId == userId && g.PurgedAt != null, cancellationToken)
            || await access.GetRoleAsync(guildId, userId, cancellationToken) >= GuildRole.Manager;
        if (!mayInstall)
        {
            return NotFound();
        }

        var state = await intents.CreateAsync(userId, guildId, cancellationToken);
        var url = QueryHelpers.AddQueryString(discord.Value.AuthorizeUrl, new Dictionary<string, string?>
        {
            ["client_id"] = discord.Value.ClientId,
            ["scope"] = "bot",
            ["permissions"] = install.Value.BotPermissions.ToString(CultureInfo.InvariantCulture),
            ["guild_id"] = guildId.ToString(CultureInfo.InvariantCulture),
            ["disable_guild_select"] = "true",
            ["response_type"] = "code",
            ["redirect_uri"] = InstallCallbackModel.RedirectUri(Request),
            ["state"] = state,
        });
        return Redirect(url);
    }
}

/// <summary>Discord's redirect after the bot authorization: accepts the state once, for the same user, before it expires.</summary>
[Authorize]
public sealed class InstallCallbackModel(InstallIntents intents, DiscordRestClient discord, GuildSync sync, IBackgroundJobClient jobs) : PageModel
{
    public const string Path = "/guilds/install/callback";

    public string Problem { get; private set; } = "";

    public static string RedirectUri(HttpRequest request) => request.PublicUrl(Path);

    public async Task<IActionResult> OnGetAsync(string? state, [FromQuery(Name = "guild_id")] string? discordGuildId, string? error, CancellationToken cancellationToken)
    {
        var userId = User.DiscordUserId()!.Value;
        var (outcome, hint) = await intents.ConsumeAsync(state, userId, cancellationToken);
        if (outcome != InstallIntentOutcome.Accepted)
        {
            Problem = outcome switch
            {
                InstallIntentOutcome.Expired => "This link to add ClipSaver has expired. Start again from your server list.",
                InstallIntentOutcome.AlreadyUsed => "This link to add ClipSaver has already been used. Start again from your server list if the bot is not in your server.",
                InstallIntentOutcome.WrongUser => "This link to add ClipSaver was started by someone else. Start again from your own server list.",
                _ => "This link to add ClipSaver is not valid. Start again from your server list.",
            };
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        if (error is not null)
        {
            Problem = "Discord did not add the bot (the request was cancelled or refused). Nothing changed.";
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        // guild_id on the way back is only a hint: the bot's own view of Discord decides.
        var guildId = Snowflake.TryParse(discordGuildId, out var parsed) ? parsed : hint is { } h ? Snowflake.FromInt64(h) : default;
        var guild = guildId == default ? null : await discord.TryGetGuildAsync(guildId, cancellationToken);
        if (guild is null)
        {
            Problem = "Discord says the bot is not in that server. Try adding it again.";
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        await sync.RecordGuildAsync(guild, userId, cancellationToken);
        jobs.Enqueue<GuildSync>(s => s.SyncChannelsAsync(guild.Id.ToInt64(), CancellationToken.None));
        TempData["Notice"] = $"ClipSaver is now in {guild.Name}. Its channels are being read; switch archiving on for the ones you want kept.";
        return Redirect($"/guilds/{guild.Id}");
    }
}

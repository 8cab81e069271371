using System.Net;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ClipSaver.DiscordEmulator.OAuth;

/// <summary>
/// The consent page: one real form per user ("Sign in as demo-owner"), the three demo users first; for a bot install
/// also a guild picker limited to the guilds that user may manage. No script, so a strict CSP holds.
/// </summary>
internal static class ConsentPage
{
    public const string ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'";

    public static IResult Render(AuthorizeRequest request, EmulatorWorld world)
    {
        var html = new StringBuilder();
        Start(html, "Authorize ClipSaver");
        html.Append("<h1>ClipSaver wants to access your account</h1><p>Scopes: ")
            .Append(Encode(string.Join(", ", request.Scopes)))
            .Append("</p>");

        var users = DemoUsers.All.Concat(world.Users.Where(u => !u.Bot && !DemoUsers.All.Contains(u)));
        foreach (var user in users)
        {
            var guilds = request.IsBotInstall ? ManageableGuilds(world, user.Id, request) : [];
            html.Append("<section><h2>").Append(Encode(user.GlobalName ?? user.Username)).Append(" <small>@").Append(Encode(user.Username)).Append("</small></h2>");
            if (request.IsBotInstall && guilds.Count == 0)
            {
                html.Append("<p>Cannot add the bot: manages no guild.</p></section>");
                continue;
            }

            html.Append("<form method=\"post\" action=\"/oauth2/authorize\">");
            Hidden(html, request, request.IsBotInstall ? "guild_id" : null);
            html.Append("<input type=\"hidden\" name=\"user_id\" value=\"").Append(user.Id.ToString(CultureInfo.InvariantCulture)).Append("\">");
            if (request.IsBotInstall)
            {
                html.Append("<label>Add to guild <select name=\"guild_id\">");
                foreach (var guild in guilds)
                {
                    var selected = guild.Id == request.GuildId ? " selected" : "";
                    html.Append("<option value=\"").Append(guild.Id.ToString(CultureInfo.InvariantCulture)).Append('"').Append(selected).Append('>')
                        .Append(Encode(guild.Name)).Append(guild.BotPresent ? " (bot already there)" : "").Append("</option>");
                }

                html.Append("</select></label> ");
            }

            html.Append("<button type=\"submit\">Sign in as ").Append(Encode(user.Username)).Append("</button></form></section>");
        }

        if (request.RedirectUri is not null)
        {
            html.Append("<form method=\"post\" action=\"/oauth2/authorize\">");
            Hidden(html, request, null);
            html.Append("<input type=\"hidden\" name=\"cancel\" value=\"1\"><button type=\"submit\">Cancel</button></form>");
        }

        return Finish(html, 200);
    }

    public static IResult Message(string title, string text, int status)
    {
        var html = new StringBuilder();
        Start(html, title);
        html.Append("<h1>").Append(Encode(title)).Append("</h1><p>").Append(Encode(text)).Append("</p>");
        return Finish(html, status);
    }

    /// <summary>Guilds where the user is owner, administrator or has MANAGE_GUILD (only the given one when the choice is locked).</summary>
    public static List<EmulatedGuild> ManageableGuilds(EmulatorWorld world, ulong userId, AuthorizeRequest request) =>
        [.. world.GuildsOf(userId)
            .Where(g => (world.BasePermissions(g.Id, userId) & (Permissions.ManageGuild | Permissions.Administrator)) != 0)
            .Where(g => !request.DisableGuildSelect || request.GuildId is null || g.Id == request.GuildId)];

    private static void Hidden(StringBuilder html, AuthorizeRequest request, string? except)
    {
        foreach (var field in AuthorizeRequest.Fields.Where(f => f != except))
        {
            if (request.Get(field) is { } value)
            {
                html.Append("<input type=\"hidden\" name=\"").Append(field).Append("\" value=\"").Append(Encode(value)).Append("\">");
            }
        }
    }

    private static void Start(StringBuilder html, string title) =>
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>").Append(Encode(title))
            .Append(" — Discord emulator</title><style>body{font-family:sans-serif;max-width:40rem;margin:2rem auto;padding:0 .75rem}section{border:1px solid #ccc;padding:.5rem 1rem;margin:.5rem 0}</style></head><body>");

    private static ContentHttpResult Finish(StringBuilder html, int status)
    {
        html.Append("</body></html>");
        return TypedResults.Content(html.ToString(), "text/html; charset=utf-8", Encoding.UTF8, status);
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}

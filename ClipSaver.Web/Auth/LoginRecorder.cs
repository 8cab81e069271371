namespace ClipSaver.Web.Auth;

/// <summary>
/// Stores what Discord said at login: the user, and the guilds of the OAuth guild list with the user's owner flag
/// and base permissions. The guild list page is served from these rows until the next login.
/// </summary>
public sealed class LoginRecorder(ClipSaverDbContext db, TimeProvider clock)
{
    public sealed record LoginGuild(long Id, string Name, string? Icon, bool Owner, long Permissions);

    public async Task RecordAsync(long userId, string username, string? globalName, string? avatar, IReadOnlyList<LoginGuild> guilds, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var user = await db.Users.FindAsync([userId], cancellationToken);
        if (user is null)
        {
            user = new User { Id = userId, CreatedAt = now };
            db.Users.Add(user);
        }

        user.Username = username;
        user.GlobalName = globalName;
        user.AvatarHash = avatar;
        user.LastLoginAt = now;

        var existing = await db.UserGuildAccess.Where(a => a.UserId == userId).ToDictionaryAsync(a => a.GuildId, cancellationToken);
        foreach (var guild in guilds)
        {
            if (!existing.Remove(guild.Id, out var row))
            {
                row = new UserGuildAccess { UserId = userId, GuildId = guild.Id };
                db.UserGuildAccess.Add(row);
            }

            row.GuildName = guild.Name;
            row.GuildIcon = guild.Icon;
            row.IsOwner = guild.Owner;
            row.Permissions = guild.Permissions;
            row.CheckedAt = now;
        }

        // Guilds the user left since the last login.
        db.UserGuildAccess.RemoveRange(existing.Values);
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>Reads Discord's partial guild objects (GET /users/@me/guilds).</summary>
    public static IReadOnlyList<LoginGuild> ParseGuilds(JsonElement array) =>
        [.. array.EnumerateArray().Select(g => new LoginGuild(
            long.Parse(g.GetProperty("id").GetString()!, System.Globalization.CultureInfo.InvariantCulture),
            g.GetProperty("name").GetString() ?? "",
            g.TryGetProperty("icon", out var icon) && icon.ValueKind == JsonValueKind.String ? icon.GetString() : null,
            g.TryGetProperty("owner", out var owner) && owner.ValueKind == JsonValueKind.True,
            g.TryGetProperty("permissions", out var perms) && long.TryParse(perms.GetString(), System.Globalization.CultureInfo.InvariantCulture, out var p) ? p : 0))];
}

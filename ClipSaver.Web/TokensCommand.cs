namespace ClipSaver.Web;

/// <summary>
/// <c>tokens create --user &lt;discord id&gt; --name &lt;name&gt; [--days &lt;n&gt;]</c>: an operator creates an API token for a
/// Discord user, for automation. A user ClipSaver does not know yet is looked up through the bot.
/// </summary>
internal static class TokensCommand
{
    public const string Usage = "Usage: tokens create --user <discord user id> --name <name> [--days <days until it expires>]";

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        if (args is not ["create", .. var rest] || Option(rest, "--user") is not { } userText || Option(rest, "--name") is not { } name)
        {
            await error.WriteLineAsync(Usage);
            return 2;
        }

        if (!Snowflake.TryParse(userText, out var userId) || userId == default)
        {
            await error.WriteLineAsync($"'{userText}' is not a Discord user id. {Usage}");
            return 2;
        }

        int? days = null;
        if (Option(rest, "--days") is { } daysText)
        {
            if (!int.TryParse(daysText, NumberStyles.None, CultureInfo.InvariantCulture, out var d) || d is < 1 or > 3650)
            {
                await error.WriteLineAsync("--days must be a whole number from 1 to 3650.");
                return 2;
            }

            days = d;
        }

        await using var app = await CommandHost.TryBuildAsync(args, error);
        if (app is null)
        {
            return 2;
        }

        if (app.Configuration.GetValue("ClipSaver:Database:MigrateOnStartup", !app.Environment.IsProduction()))
        {
            await DatabaseMigrator.MigrateAsync(app.Services, CancellationToken.None);
        }

        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ClipSaverDbContext>();
        var clock = scope.ServiceProvider.GetRequiredService<TimeProvider>();
        if (!await db.Users.AnyAsync(u => u.Id == userId.ToInt64()))
        {
            DiscordUser user;
            try
            {
                user = await scope.ServiceProvider.GetRequiredService<DiscordRestClient>().GetUserAsync(userId, CancellationToken.None);
            }
            catch (DiscordApiException e) when (e.IsNotFound)
            {
                await error.WriteLineAsync($"Discord knows no user {userId}.");
                return 1;
            }

            db.Users.Add(new User { Id = userId.ToInt64(), Username = user.Username, GlobalName = user.GlobalName, AvatarHash = user.Avatar, CreatedAt = clock.GetUtcNow() });
            await db.SaveChangesAsync();
        }

        var created = await scope.ServiceProvider.GetRequiredService<ApiTokens>()
            .CreateAsync(userId.ToInt64(), name, days is { } n ? clock.GetUtcNow().AddDays(n) : null, CancellationToken.None);
        await output.WriteLineAsync(created.Token);
        return 0;
    }

    private static string? Option(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}

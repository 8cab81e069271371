namespace ClipSaver.Web.Pages.Guilds;

/// <summary>
/// The settings history: every version newest first, paged by version id (the position in the address), each with
/// "Restore this version" behind a confirmation that lists what it would change (docs/decisions/023-settings-history.md).
/// </summary>
[Authorize]
public sealed class SettingsHistoryModel(GuildContext context, SettingsHistory history, RestoreGuildSettings restore) : PageModel
{
    public const int PageSize = 20;

    public GuildHeader Guild { get; private set; } = null!;
    public IReadOnlyList<SettingsHistoryEntry> Entries { get; private set; } = [];
    public GuildSettings Current { get; private set; } = new();
    public string? NextCursor { get; private set; }

    /// <summary>The position: versions older than this id (none: from the newest).</summary>
    [BindProperty(SupportsGet = true)]
    public string? Before { get; set; }

    /// <summary>What the last restore did, shown once after the redirect.</summary>
    [TempData]
    public string? Message { get; set; }

    /// <summary>Why a restore was refused (the page is answered with its status).</summary>
    public string? Error { get; private set; }

    public string ListUrl(string? before = null) => $"/guilds/{Guild.Id}/settings/history{(before is null ? "" : $"?before={Uri.EscapeDataString(before)}")}";

    /// <summary>What restoring <paramref name="entry"/> would change in the settings as they are now.</summary>
    public IReadOnlyList<SettingsChange> RestoreChanges(SettingsHistoryEntry entry) => SettingsChanges.Between(Current, entry.Settings);

    public async Task<IActionResult> OnGetAsync(long guildId, CancellationToken cancellationToken)
    {
        if (await context.LoadAsync(guildId, User, cancellationToken) is not { } guild)
        {
            return NotFound();
        }

        Guild = guild;
        return await ListAsync(cancellationToken);
    }

    public async Task<IActionResult> OnPostRestoreAsync(long guildId, string? versionId, CancellationToken cancellationToken)
    {
        if (await context.LoadAsync(guildId, User, cancellationToken) is not { } guild)
        {
            return NotFound();
        }

        Guild = guild;
        Before = null;
        if (!long.TryParse(versionId, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id))
        {
            return await RefuseAsync(StatusCodes.Status400BadRequest, "That is not a version of these settings; nothing was changed.", cancellationToken);
        }

        switch (await restore.RestoreAsync(User.ToActor()!, guildId, id, cancellationToken))
        {
            case SettingsChangeResult.Saved { Changed: false }:
                Message = RestoreMessages.Unchanged;
                break;
            case SettingsChangeResult.Saved saved:
                Message = RestoreMessages.Restored(saved.Changes);
                break;
            case SettingsChangeResult.UnknownGuild:
                return NotFound();
            case SettingsChangeResult.UnknownVersion:
                return await RefuseAsync(StatusCodes.Status404NotFound, "That version is not in this server's settings history; nothing was changed.", cancellationToken);
            case SettingsChangeResult.GuildRemoved:
                return await RefuseAsync(StatusCodes.Status409Conflict, ChangeGuildSettings.ReadOnlyMessage, cancellationToken);
            case SettingsChangeResult.Invalid invalid:
                return await RefuseAsync(StatusCodes.Status422UnprocessableEntity,
                    "That version's settings are no longer valid: " + string.Join(" ", invalid.Errors.SelectMany(e => e.Value)) + " Nothing was changed.", cancellationToken);
        }

        return Redirect(ListUrl());
    }

    private async Task<IActionResult> RefuseAsync(int status, string error, CancellationToken cancellationToken)
    {
        Error = error;
        Response.StatusCode = status;
        return await ListAsync(cancellationToken);
    }

    private async Task<IActionResult> ListAsync(CancellationToken cancellationToken)
    {
        switch (await history.ListAsync(User.ToActor()!, Guild.Id, Before, PageSize, cancellationToken))
        {
            case SettingsHistoryResult.Listed listed:
                (Entries, NextCursor, Current) = (listed.Entries, listed.NextCursor, listed.Current);
                return Page();
            case SettingsHistoryResult.BadCursor:
                // A position this page never gave out: start from the newest rather than fail.
                return Redirect(ListUrl());
            default:
                return NotFound();
        }
    }
}

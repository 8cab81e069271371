using System.ComponentModel.DataAnnotations;

namespace ClipSaver.Web.Pages.Guilds;

/// <summary>A guild's settings over the configured defaults; the danger zone below is <see cref="DangerZoneModel"/>'s.</summary>
[Authorize]
public sealed class SettingsModel(GuildContext context, GuildSettingsStore store, ChangeGuildSettings change) : PageModel
{
    public sealed class Input
    {
        public bool ArchiveNewChannels { get; set; }
        public bool AllowNsfwChannels { get; set; }

        [Display(Name = "File types")]
        public string? ClipExtensions { get; set; }

        [Display(Name = "Largest file (MB)")]
        public int? MaxFileSizeMb { get; set; }

        public bool KeepVideoEmbeds { get; set; }
        public DepartedMemberClips DepartedMemberClips { get; set; }
        public MessageDeletedClips MessageDeletedClips { get; set; }
        public DateOnly? BackfillSince { get; set; }

        public static Input From(GuildSettings s) => new()
        {
            ArchiveNewChannels = s.ArchiveNewChannels,
            AllowNsfwChannels = s.AllowNsfwChannels,
            ClipExtensions = string.Join(", ", s.ClipExtensions),
            MaxFileSizeMb = s.MaxFileSizeMb,
            KeepVideoEmbeds = s.KeepVideoEmbeds,
            DepartedMemberClips = s.DepartedMemberClips,
            MessageDeletedClips = s.MessageDeletedClips,
            BackfillSince = s.BackfillSince,
        };

        public GuildSettings ToSettings() => new()
        {
            ArchiveNewChannels = ArchiveNewChannels,
            AllowNsfwChannels = AllowNsfwChannels,
            ClipExtensions = [.. (ClipExtensions ?? "").Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(e => e.TrimStart('.').ToLowerInvariant()).Distinct()],
            MaxFileSizeMb = MaxFileSizeMb ?? 0,
            KeepVideoEmbeds = KeepVideoEmbeds,
            DepartedMemberClips = DepartedMemberClips,
            MessageDeletedClips = MessageDeletedClips,
            BackfillSince = BackfillSince,
        };
    }

    public GuildHeader Guild { get; private set; } = null!;
    public GuildSettings Defaults => store.Defaults;

    [BindProperty]
    public Input Form { get; set; } = new();

    public bool Saved { get; private set; }

    /// <summary>"Settings saved." or, when the form held the values already, that nothing changed.</summary>
    public string SavedText { get; private set; } = SavedMessage;

    private const string SavedMessage = "Settings saved.";
    private const string UnchangedMessage = "Nothing to save: the settings already had these values.";

    public async Task<IActionResult> OnGetAsync(long guildId, CancellationToken cancellationToken)
    {
        if (await context.LoadAsync(guildId, User, cancellationToken) is not { } guild)
        {
            return NotFound();
        }

        Guild = guild;
        Form = Input.From(await store.GetAsync(guildId, cancellationToken));
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(long guildId, CancellationToken cancellationToken)
    {
        if (await context.LoadAsync(guildId, User, cancellationToken) is not { } guild)
        {
            return NotFound();
        }

        Guild = guild;
        // A value the form could not bind (a number that is not a number) leaves no settings to save: it is shown
        // next to the settings' own errors, and nothing changes. An empty size becomes 0, which the settings refuse.
        var settings = Form.ToSettings();
        var result = ModelState.IsValid
            ? await change.ChangeAsync(Actor.User(User.DiscordUserId()!.Value), guildId, settings, cancellationToken)
            : new SettingsChangeResult.Invalid(settings.Validate());
        switch (result)
        {
            case SettingsChangeResult.Saved saved:
                Form = Input.From(saved.Settings);
                Saved = true;
                SavedText = saved.Changed ? SavedMessage : UnchangedMessage;
                break;
            case SettingsChangeResult.UnknownGuild:
                return NotFound();
            case SettingsChangeResult.GuildRemoved:
                ModelState.AddModelError(string.Empty, ChangeGuildSettings.ReadOnlyMessage);
                Response.StatusCode = StatusCodes.Status409Conflict;
                return Fragment();
            case SettingsChangeResult.Invalid invalid:
                foreach (var (field, messages) in invalid.Errors)
                {
                    foreach (var message in messages)
                    {
                        ModelState.AddModelError($"{nameof(Form)}.{field}", message);
                    }
                }

                Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
                return Fragment();
        }

        if (!Request.WantsFragment())
        {
            TempData["Saved"] = SavedText;
            return RedirectToPage(new { guildId });
        }

        return Fragment();
    }

    private IActionResult Fragment()
    {
        Response.VaryOnHtmx();
        return Request.WantsFragment() ? Partial("_SettingsForm", this) : Page();
    }
}

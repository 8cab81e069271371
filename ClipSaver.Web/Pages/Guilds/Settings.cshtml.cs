using System.ComponentModel.DataAnnotations;
using ClipSaver.Core.Data;
using ClipSaver.Core.Guilds;
using ClipSaver.Web.Auth;
using ClipSaver.Web.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ClipSaver.Web.Pages.Guilds;

/// <summary>A guild's settings over the configured defaults; the danger zone below is <see cref="DangerZoneModel"/>'s.</summary>
[Authorize]
public sealed class SettingsModel(ClipSaverDbContext db, GuildContext context, GuildSettingsStore store, TimeProvider clock) : PageModel
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
        public DateOnly? BackfillSince { get; set; }

        public static Input From(GuildSettings s) => new()
        {
            ArchiveNewChannels = s.ArchiveNewChannels,
            AllowNsfwChannels = s.AllowNsfwChannels,
            ClipExtensions = string.Join(", ", s.ClipExtensions),
            MaxFileSizeMb = s.MaxFileSizeMb,
            KeepVideoEmbeds = s.KeepVideoEmbeds,
            DepartedMemberClips = s.DepartedMemberClips,
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
            BackfillSince = BackfillSince,
        };
    }

    public GuildHeader Guild { get; private set; } = null!;
    public GuildSettings Defaults => store.Defaults;

    [BindProperty]
    public Input Form { get; set; } = new();

    public bool Saved { get; private set; }

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
        if (!guild.CanChange)
        {
            ModelState.AddModelError(string.Empty, "ClipSaver is no longer in this server; its settings are read-only.");
            Response.StatusCode = StatusCodes.Status409Conflict;
            return Fragment();
        }

        // Model binding errors (a number that is not a number) and the settings' own rules, next to their fields.
        var settings = Form.ToSettings();
        foreach (var (field, messages) in settings.Validate())
        {
            foreach (var message in messages)
            {
                ModelState.AddModelError($"{nameof(Form)}.{field}", message);
            }
        }

        if (Form.MaxFileSizeMb is null && !ModelState.ContainsKey($"{nameof(Form)}.{nameof(Input.MaxFileSizeMb)}"))
        {
            ModelState.AddModelError($"{nameof(Form)}.{nameof(Input.MaxFileSizeMb)}", "Enter the largest file to keep, in MB.");
        }

        if (!ModelState.IsValid)
        {
            Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
            return Fragment();
        }

        var before = await store.GetAsync(guildId, cancellationToken);
        await store.StageAsync(guildId, settings, User.DiscordUserId(), cancellationToken);
        db.AuditEvents.Add(new AuditEvent
        {
            GuildId = guildId,
            ActorUserId = User.DiscordUserId(),
            Action = "settings.changed",
            Summary = "Settings changed.",
            DataJson = System.Text.Json.JsonSerializer.Serialize(new { before, after = settings }, GuildSettings.Json),
            CreatedAt = clock.GetUtcNow(),
        });
        await db.SaveChangesAsync(cancellationToken);
        Form = Input.From(settings);
        Saved = true;
        if (!Request.WantsFragment())
        {
            TempData["Saved"] = "Settings saved.";
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

namespace ClipSaver.Web.Pages.Guilds;

/// <summary>A guild's overview: totals, scans, clips archived per day, recent audit events.</summary>
[Authorize]
public sealed class GuildModel(ClipSaverDbContext db, GuildContext context, TimeProvider clock) : PageModel
{
    public const int ChartDays = 28;

    public sealed record ScanLine(long Id, string Channel, ScanStatus Status, DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt, long ClipsFound, string? Error);

    public sealed record AuditLine(DateTimeOffset At, string Action, string? Summary, string? Actor);

    public GuildHeader Guild { get; private set; } = null!;
    public long Clips { get; private set; }
    public long Bytes { get; private set; }
    public int ChannelsArchived { get; private set; }

    /// <summary>Clips not archived because their authors opted out: a number, never who (docs/decisions/018-members-own-data.md).</summary>
    public long SkippedOptedOut { get; private set; }
    public IReadOnlyList<ScanLine> Scans { get; private set; } = [];
    public IReadOnlyList<AuditLine> Audit { get; private set; } = [];

    /// <summary>Clips archived per day, oldest first, <see cref="ChartDays"/> entries.</summary>
    public IReadOnlyList<(DateOnly Day, int Count)> PerDay { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(long guildId, CancellationToken cancellationToken)
    {
        if (await context.LoadAsync(guildId, User, cancellationToken) is not { } guild)
        {
            return NotFound();
        }

        Guild = guild;
        var totals = await db.Channels.Where(c => c.GuildId == guildId)
            .GroupBy(_ => 1)
            .Select(g => new { Clips = g.Sum(c => c.ClipCount), Bytes = g.Sum(c => c.ClipBytes), Reading = g.Count(c => c.IsReading && c.DeletedAt == null), Skipped = g.Sum(c => c.ClipsSkippedOptedOut) })
            .FirstOrDefaultAsync(cancellationToken);
        (Clips, Bytes, ChannelsArchived, SkippedOptedOut) = (totals?.Clips ?? 0, totals?.Bytes ?? 0, totals?.Reading ?? 0, totals?.Skipped ?? 0);

        Scans = await db.ScanRuns.AsNoTracking().Where(r => r.GuildId == guildId)
            .OrderByDescending(r => r.Status == ScanStatus.Running || r.Status == ScanStatus.Queued).ThenByDescending(r => r.CreatedAt).Take(8)
            .Select(r => new ScanLine(r.Id, db.Channels.Where(c => c.Id == r.ChannelId).Select(c => c.Name).FirstOrDefault() ?? Display.UnknownChannel, r.Status, r.CreatedAt, r.FinishedAt, r.ClipsFound, r.Error))
            .ToListAsync(cancellationToken);
        Audit = await db.AuditEvents.AsNoTracking().Where(a => a.GuildId == guildId)
            .OrderByDescending(a => a.CreatedAt).Take(12)
            .Select(a => new AuditLine(a.CreatedAt, a.Action, a.Summary, db.Users.Where(u => u.Id == a.ActorUserId).Select(u => u.GlobalName ?? u.Username).FirstOrDefault()))
            .ToListAsync(cancellationToken);

        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var since = today.AddDays(-(ChartDays - 1));
        var counts = await db.ClipDays.Where(d => d.GuildId == guildId && d.Day >= since)
            .GroupBy(d => d.Day)
            .Select(g => new { Day = g.Key, Count = g.Sum(d => d.Clips) })
            .ToDictionaryAsync(x => x.Day, x => x.Count, cancellationToken);
        PerDay = [.. Enumerable.Range(0, ChartDays).Select(i => today.AddDays(i - ChartDays + 1)).Select(d => (d, counts.GetValueOrDefault(d)))];
        return Page();
    }
}

namespace ClipSaver.Core.Scanning;

/// <summary>What a batch of messages added: the clip rows, and those whose file must be downloaded.</summary>
public sealed record IntakeResult(int ClipsAdded, int OptedOut, IReadOnlyList<(long ClipId, FoundClip Clip)> ToDownload);

/// <summary>
/// Messages become clips here, whichever way they came in: a scan's page (<see cref="ScanJob"/>) or a Gateway event.
/// Clips are found by <see cref="ClipDetector"/> and recorded through <see cref="ClipArchive"/>, so both ways follow the
/// same rules and an event seen twice, or a message read by a scan after its event, changes nothing.
/// </summary>
public sealed class ClipIntake(ClipSaverDbContext db, ClipArchive archive)
{
    /// <summary>Authors, members and clip rows of <paramref name="messages"/>, inside the caller's transaction behind the purge fence.</summary>
    public async Task<IntakeResult> AddAsync(long guildId, long channelId, IReadOnlyList<DiscordMessage> messages, GuildSettings settings, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var withClips = messages.Select(m => (Message: m, Found: ClipDetector.Find(m, settings).ToList())).Where(x => x.Found.Count > 0).ToList();
        await archive.AddAuthorsAsync(guildId, [.. withClips.GroupBy(x => x.Message.Author.Id).Select(g => new ClipAuthor(g.Key.ToInt64(), g.First().Message.Author.Username,
            g.First().Message.Author.GlobalName, g.First().Message.Author.Avatar, g.Min(x => x.Message.Timestamp), g.Max(x => x.Message.Timestamp)))], now, cancellationToken);

        var sources = withClips.SelectMany(x => x.Found).ToList();
        var rows = sources.Select(c => c.ToRow(settings)).ToList();
        var (clipIds, optedOut) = await archive.AddCountingAsync(guildId, channelId, rows, now, cancellationToken);
        var toDownload = new List<(long, FoundClip)>();
        for (var i = 0; i < rows.Count; i++)
        {
            if (clipIds[i] is { } id && sources[i].Attachment is not null && rows[i].SkipReason is null)
            {
                toDownload.Add((id, sources[i]));
            }
        }

        return new IntakeResult(clipIds.Count(id => id is not null), optedOut, toDownload);
    }

    /// <summary>
    /// A message from a Gateway event, in its own transaction behind the fence. With <paramref name="moveCursor"/> the
    /// channel's scan cursor moves past it, so the next scan does not read it again. Null when a purge holds the channel.
    /// </summary>
    public async Task<IntakeResult?> AddFromEventAsync(long guildId, long channelId, long? parentId, DiscordMessage message, GuildSettings settings, bool moveCursor, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
        if (!await ClipArchive.TryEnterForWriteAsync(db, guildId, channelId, parentId, cancellationToken))
        {
            return null;
        }

        var result = await AddAsync(guildId, channelId, [message], settings, now, cancellationToken);
        if (moveCursor)
        {
            var id = message.Id.ToInt64();
            await db.Channels.Where(c => c.Id == channelId && (c.NewestScannedMessageId == null || c.NewestScannedMessageId < id))
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.NewestScannedMessageId, id), cancellationToken);
        }

        await tx.CommitAsync(cancellationToken);
        return result;
    }
}

namespace ClipSaver.Core.Scanning;

/// <summary>A clip found in a message: an attachment to download, or a video link kept as a link.</summary>
public sealed record FoundClip(DiscordMessage Message, DiscordAttachment? Attachment, DiscordEmbed? Embed)
{
    public string FileName
    {
        get
        {
            if (Attachment is not null)
            {
                return Attachment.Filename;
            }

            var name = Path.GetFileName(new Uri(Embed!.Video?.Url ?? Embed.Url!).AbsolutePath);
            return name.Length > 0 ? name : "video";
        }
    }

    /// <summary>The clip's row as a scan archives it (<see cref="Archive.ClipArchive.AddAsync"/> sets the scope and the time).</summary>
    public Clip ToRow(GuildSettings settings)
    {
        var a = Attachment;
        return new Clip
        {
            MessageId = Message.Id.ToInt64(),
            Source = a is null ? ClipSource.Embed : ClipSource.Attachment,
            AttachmentId = a?.Id.ToInt64(),
            EmbedUrl = a is null ? Embed!.Video?.Url ?? Embed.Url : null,
            AuthorId = Message.Author.Id.ToInt64(),
            FileName = FileName.Length <= 255 ? FileName : FileName[..255],
            ContentType = a?.ContentType ?? Embed?.Video?.ContentType,
            SizeBytes = a?.Size ?? 0,
            DurationSecs = a?.DurationSecs,
            Width = a?.Width ?? Embed?.Video?.Width,
            Height = a?.Height ?? Embed?.Video?.Height,
            DiscordClipFlag = ((a?.Flags ?? 0) & ClipDetector.ClipFlag) != 0,
            PostedAt = Message.Timestamp,
            SkipReason = a is not null && a.Size > settings.MaxFileSizeBytes ? $"Larger than this server's {settings.MaxFileSizeMb} MB limit." : null,
        };
    }
}

/// <summary>Which parts of a message count as clips, under a guild's settings.</summary>
public static class ClipDetector
{
    public const int ClipFlag = 1 << 0;

    public static IEnumerable<FoundClip> Find(DiscordMessage message, GuildSettings settings)
    {
        foreach (var a in message.Attachments)
        {
            var isVideo = a.ContentType?.StartsWith("video/", StringComparison.OrdinalIgnoreCase) == true;
            if (isVideo || settings.IsClipExtension(a.Filename) || ((a.Flags ?? 0) & ClipFlag) != 0)
            {
                yield return new FoundClip(message, a, null);
            }
        }

        if (!settings.KeepVideoEmbeds)
        {
            yield break;
        }

        foreach (var e in message.Embeds)
        {
            var url = e.Video?.Url ?? (e.Type == "video" ? e.Url : null);
            if (e.Type is "video" or "gifv" && Uri.TryCreate(url, UriKind.Absolute, out var parsed) && parsed.Scheme is "http" or "https")
            {
                yield return new FoundClip(message, null, e);
            }
        }
    }

    /// <summary>
    /// Messages that are all empty (no text, attachments or embeds) are what Discord sends without the message
    /// content intent; a page full of them means the scan is blind, not that there are no clips.
    /// </summary>
    public static bool LooksBlind(IReadOnlyList<DiscordMessage> page) =>
        page.Count(m => !m.Author.Bot) >= 10
        && page.Where(m => !m.Author.Bot).All(m => m.Content.Length == 0 && m.Attachments.Count == 0 && m.Embeds.Count == 0);
}

using ClipSaver.Core.Discord;
using ClipSaver.Core.Guilds;

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

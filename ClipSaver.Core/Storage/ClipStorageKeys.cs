namespace ClipSaver.Core.Storage;

/// <summary>Storage keys: <c>{guild}/{channel}/{attachment}{.ext}</c>. Only ids and a checked extension, never a user's file name.</summary>
public static class ClipStorageKeys
{
    public static string ForAttachment(long guildId, long channelId, long attachmentId, string fileName) =>
        string.Create(CultureInfo.InvariantCulture, $"{guildId}/{channelId}/{attachmentId}{SafeExtension(fileName)}");

    /// <summary>
    /// A clip's poster image: beside its file, under the same guild and channel prefix, so that a purge's delete by
    /// prefix and its check take it along. A clip's key never ends in <see cref="ThumbnailSuffix"/> (one extension after
    /// the attachment id), so the two kinds of key cannot be confused (docs/decisions/020-thumbnails.md).
    /// </summary>
    public static string ThumbnailOf(string clipKey) => clipKey + ThumbnailSuffix;

    public const string ThumbnailSuffix = ".thumb.jpg";

    /// <summary>The clip key a thumbnail belongs to, or null when <paramref name="key"/> is no thumbnail's.</summary>
    public static string? ClipOfThumbnail(string key) =>
        key.EndsWith(ThumbnailSuffix, StringComparison.Ordinal) && key.Length > ThumbnailSuffix.Length ? key[..^ThumbnailSuffix.Length] : null;

    public static bool IsThumbnail(string key) => ClipOfThumbnail(key) is not null;

    public static string GuildPrefix(long guildId) => string.Create(CultureInfo.InvariantCulture, $"{guildId}/");

    public static string ChannelPrefix(long guildId, long channelId) => string.Create(CultureInfo.InvariantCulture, $"{guildId}/{channelId}/");

    /// <summary>A key is ASCII letters, digits, '.', '-', '_' and '/', with no empty, '.' or '..' segment.</summary>
    public static bool IsValid(string key)
    {
        if (string.IsNullOrEmpty(key) || key.Length > 512 || key.StartsWith('/') || key.EndsWith('/'))
        {
            return false;
        }

        foreach (var c in key)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '/'))
            {
                return false;
            }
        }

        return key.Split('/').All(segment => segment.Length > 0 && segment != "." && segment != "..");
    }

    /// <summary>A valid prefix is "" or a valid key followed by '/'.</summary>
    public static bool IsValidPrefix(string prefix) => prefix.Length == 0 || (prefix.EndsWith('/') && IsValid(prefix[..^1]));

    private static string SafeExtension(string fileName)
    {
        var ext = Path.GetExtension(fileName);
        if (string.IsNullOrEmpty(ext) || ext.Length > 10 || !ext[1..].All(char.IsAsciiLetterOrDigit))
        {
            return "";
        }

        return ext.ToLowerInvariant();
    }
}

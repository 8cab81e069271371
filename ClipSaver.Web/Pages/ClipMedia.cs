namespace ClipSaver.Web.Pages;

/// <summary>
/// What <c>_ClipPlayer</c> shows for a clip: on a card, its poster (click to play) with the length; on the clip's own
/// page, the player with the poster. The file and thumbnail addresses are the page's own (a guild's clip, or one of
/// "My clips"), each behind the same access check (decision 020).
/// </summary>
public sealed record ClipMedia(long ClipId, string FileName, string FileUrl, string ThumbnailUrl, bool HasFile, string? EmbedUrl, string? SkipReason,
    ThumbnailState? Thumbnail, double? DurationSecs, bool Card)
{
    public const string NoPreview = "/img/poster-none.svg";
    public const string PreviewPending = "/img/poster-pending.svg";

    public static ClipMedia OfGuildClip(long guildId, Clip c, bool card) => new(c.Id, c.FileName, $"/guilds/{guildId}/clips/file?clipId={c.Id}",
        $"/guilds/{guildId}/clips/thumbnail?clipId={c.Id}", c.StorageKey is not null, c.EmbedUrl, c.SkipReason, c.ThumbnailState, c.DurationSecs, card);

    public static ClipMedia OfOwnClip(Clip c) => new(c.Id, c.FileName, $"/me/file?clipId={c.Id}", $"/me/thumbnail?clipId={c.Id}",
        c.StorageKey is not null, c.EmbedUrl, c.SkipReason, c.ThumbnailState, c.DurationSecs, Card: true);

    /// <summary>The poster: the clip's thumbnail once made, else a placeholder that says why there is none (never a broken image).</summary>
    public string PosterUrl => Thumbnail switch
    {
        ThumbnailState.Made => ThumbnailUrl,
        null => PreviewPending,
        _ => NoPreview,
    };

    public string PosterAlt => Thumbnail switch
    {
        ThumbnailState.Made => $"Poster of {FileName}",
        null => "Preview not made yet",
        _ => "No preview: the file has no picture to show",
    };
}

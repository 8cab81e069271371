using System.Text.Json.Serialization;

namespace ClipSaver.DiscordEmulator.Rest;

// The JSON Discord sends (snake_case, ids as strings), with the fields the OpenAPI description requires. Optional
// fields that the description does not allow to be null are left out when there is no value.

internal sealed record UserJson(
    string Id,
    string Username,
    string? Avatar,
    string Discriminator,
    int PublicFlags,
    long Flags,
    string? GlobalName,
    object? PrimaryGuild,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? Bot = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? MfaEnabled = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Locale = null);

internal sealed record PartialGuildJson(string Id, string Name, string? Icon, string? Banner, bool Owner, string Permissions, string[] Features);

internal sealed record RoleColorsJson(int PrimaryColor, int? SecondaryColor, int? TertiaryColor);

internal sealed record RoleJson(
    string Id,
    string Name,
    string Permissions,
    int Position,
    int Color,
    RoleColorsJson Colors,
    bool Hoist,
    bool Managed,
    bool Mentionable,
    string? Icon,
    string? UnicodeEmoji,
    int Flags);

internal sealed record GuildJson(
    string Id,
    string Name,
    string? Icon,
    string OwnerId,
    RoleJson[] Roles,
    string? Description = null,
    string? HomeHeader = null,
    string? Splash = null,
    string? DiscoverySplash = null,
    string[]? Features = null,
    string? Banner = null,
    string? ApplicationId = null,
    string Region = "deprecated",
    string? AfkChannelId = null,
    int AfkTimeout = 300,
    string? SystemChannelId = null,
    int SystemChannelFlags = 0,
    bool WidgetEnabled = false,
    string? WidgetChannelId = null,
    int VerificationLevel = 0,
    int DefaultMessageNotifications = 0,
    int MfaLevel = 0,
    int ExplicitContentFilter = 0,
    int? MaxPresences = null,
    int MaxMembers = 500_000,
    int MaxStageVideoChannelUsers = 50,
    int MaxVideoChannelUsers = 25,
    string? VanityUrlCode = null,
    int PremiumTier = 0,
    int PremiumSubscriptionCount = 0,
    string PreferredLocale = "en-US",
    string? RulesChannelId = null,
    string? SafetyAlertsChannelId = null,
    string? PublicUpdatesChannelId = null,
    bool PremiumProgressBarEnabled = false,
    bool Nsfw = false,
    int NsfwLevel = 0,
    object[]? Emojis = null,
    object[]? Stickers = null,
    object? IncidentsData = null);

internal sealed record MemberJson(
    UserJson User,
    string[] Roles,
    string JoinedAt,
    string? Nick = null,
    string? Avatar = null,
    string? Banner = null,
    string? CommunicationDisabledUntil = null,
    int Flags = 0,
    bool Pending = false,
    string? PremiumSince = null,
    bool Mute = false,
    bool Deaf = false);

internal sealed record ThreadMetadataJson(bool Archived, string? ArchiveTimestamp, int AutoArchiveDuration, bool Locked);

internal sealed record ChannelJson(
    string Id,
    int Type,
    string GuildId,
    string Name,
    string? ParentId,
    bool Nsfw,
    string? LastMessageId,
    int Flags = 0,
    int RateLimitPerUser = 0,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Position = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] object[]? PermissionOverwrites = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? OwnerId = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ThreadMetadataJson? ThreadMetadata = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? MessageCount = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? MemberCount = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? TotalMessageSent = null);

internal sealed record ThreadListJson(ChannelJson[] Threads, object[] Members, bool HasMore);

internal sealed record AttachmentJson(
    string Id,
    string Filename,
    long Size,
    string Url,
    string ProxyUrl,
    string ContentType,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Width,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Height,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? DurationSecs,
    int Flags);

internal sealed record EmbedVideoJson(string Url, int Width, int Height, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ContentType);

internal sealed record EmbedJson(
    string Type,
    string Url,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Title,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] EmbedVideoJson? Video);

internal sealed record MessageJson(
    string Id,
    string ChannelId,
    UserJson Author,
    string Content,
    string Timestamp,
    AttachmentJson[] Attachments,
    EmbedJson[] Embeds,
    int Type = 0,
    string? EditedTimestamp = null,
    int Flags = 0,
    bool Pinned = false,
    bool MentionEveryone = false,
    bool Tts = false,
    object[]? Mentions = null,
    object[]? MentionRoles = null,
    object[]? Components = null);

internal sealed record ApplicationJson(
    string Id,
    string Name,
    long Flags,
    UserJson Bot,
    UserJson Owner,
    string VerifyKey,
    string[] RedirectUris,
    int ApproximateGuildCount,
    string? Icon = null,
    string Description = "",
    int? Type = null,
    string? InteractionsEndpointUrl = null,
    string? RoleConnectionsVerificationUrl = null,
    int ApproximateUserInstallCount = 0,
    int ApproximateUserAuthorizationCount = 0,
    int ExplicitContentFilter = 0,
    object? Team = null,
    bool BotPublic = true,
    bool BotRequireCodeGrant = false)
{
    public string FlagsNew => Flags.ToString(CultureInfo.InvariantCulture);

    public string[] EligibleOauth2Scopes { get; } = [];
}

internal sealed record ErrorJson(
    string Message,
    int Code,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] object? Errors = null);

internal sealed record RateLimitedJson(string Message, double RetryAfter, bool Global, int Code = 0);

namespace ClipSaver.DiscordEmulator.Rest;

/// <summary>Turns world snapshots into Discord's JSON.</summary>
internal static class ApiJson
{
    public static string Id(ulong id) => id.ToString(CultureInfo.InvariantCulture);

    public static string Time(DateTimeOffset time) => time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'+00:00'", CultureInfo.InvariantCulture);

    public static UserJson User(EmulatedUser user) =>
        new(Id(user.Id), user.Username, user.Avatar, "0", 0, 0, user.GlobalName, null, user.Bot ? true : null);

    /// <summary>The caller's own user (<c>/users/@me</c>), which also carries account settings.</summary>
    public static UserJson Me(EmulatedUser user) => User(user) with { MfaEnabled = user.Bot, Locale = "en-US" };

    public static PartialGuildJson PartialGuild(EmulatedGuild guild, ulong userId, ulong permissions) =>
        new(Id(guild.Id), guild.Name, guild.Icon, null, guild.OwnerId == userId, permissions.ToString(CultureInfo.InvariantCulture), []);

    public static RoleJson Role(EmulatedRole role) =>
        new(Id(role.Id), role.Name, role.Permissions.ToString(CultureInfo.InvariantCulture), role.Position, 0, new RoleColorsJson(0, null, null), false, role.Managed, false, null, null, 0);

    public static GuildJson Guild(EmulatedGuild guild, IEnumerable<EmulatedRole> roles) =>
        new(Id(guild.Id), guild.Name, guild.Icon, Id(guild.OwnerId), [.. roles.Select(Role)], Features: [], Emojis: [], Stickers: []);

    public static MemberJson Member(EmulatedMember member) =>
        new(User(member.User), [.. member.Roles.Select(Id)], Time(member.JoinedAt));

    public static ChannelJson Channel(EmulatedChannel channel, ulong? lastMessageId)
    {
        var json = new ChannelJson(Id(channel.Id), channel.Type, Id(channel.GuildId), channel.Name, channel.ParentId is { } parent ? Id(parent) : null, channel.Nsfw, lastMessageId is { } last ? Id(last) : null);
        if (!channel.IsThread)
        {
            return json with { Position = channel.Position, PermissionOverwrites = [] };
        }

        var count = (int)Math.Min(channel.MessageCount, int.MaxValue);
        var metadata = new ThreadMetadataJson(channel.ThreadArchived, channel.ArchiveTimestamp is { } at ? Time(at) : null, 1440, false);
        return json with { OwnerId = Id(channel.OwnerId ?? 0), ThreadMetadata = metadata, MessageCount = count, MemberCount = 1, TotalMessageSent = count };
    }

    /// <summary>A message; without the message-content intent Discord blanks content, attachments and embeds.</summary>
    public static MessageJson Message(EmulatedMessage message, bool redact, CdnSigner signer, string baseUrl)
    {
        if (redact)
        {
            return new MessageJson(Id(message.Id), Id(message.ChannelId), User(message.Author), "", Time(message.Timestamp), [], [], Mentions: [], MentionRoles: [], Components: []);
        }

        var attachments = message.Attachments.Select(a =>
        {
            var url = signer.SignedUrl(baseUrl, message.ChannelId, a.Id, a.Filename);
            return new AttachmentJson(Id(a.Id), a.Filename, a.Size, url, url, a.ContentType, a.Width, a.Height, a.DurationSecs, a.Flags);
        });
        var embeds = message.Embeds.Select(e => new EmbedJson(e.Type, e.Url, e.Title, e.Video is { } v ? new EmbedVideoJson(v.Url, v.Width, v.Height, v.ContentType) : null));
        return new MessageJson(Id(message.Id), Id(message.ChannelId), User(message.Author), message.Content, Time(message.Timestamp), [.. attachments], [.. embeds], Mentions: [], MentionRoles: [], Components: []);
    }
}

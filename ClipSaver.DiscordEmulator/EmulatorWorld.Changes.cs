namespace ClipSaver.DiscordEmulator;

/// <summary>The world's changes. Each one is published to <see cref="Changed"/> under the world's lock, so listeners see them in order.</summary>
public sealed partial class EmulatorWorld
{
    /// <summary>Raised under the world's lock after each change, in order (the Gateway listens).</summary>
    internal event Action<WorldEvent>? Changed;

    public void AddBotToGuild(ulong guildId, ulong permissions = Permissions.ViewChannel | Permissions.ReadMessageHistory)
    {
        lock (_gate)
        {
            var guild = GetGuild(guildId);
            JoinBot(guild, permissions);
            Publish("GUILD_CREATE", guildId, GatewayIntents.Guilds, new GuildGone(guildId, false));
        }
    }

    public void RemoveBotFromGuild(ulong guildId)
    {
        lock (_gate)
        {
            var guild = GetGuild(guildId);
            guild.BotPresent = false;
            guild.BotPermissions = 0;
            guild.Members.Remove(BotUser.Id);
            guild.Roles.RemoveAll(r => r.Managed);
            Publish("GUILD_DELETE", guildId, GatewayIntents.Guilds, new GuildGone(guildId, false));
        }
    }

    /// <summary>An outage (GUILD_DELETE with <c>unavailable</c>) or its end (GUILD_CREATE); the guild itself stays.</summary>
    public void SetGuildAvailable(ulong guildId, bool available)
    {
        lock (_gate)
        {
            var guild = GetGuild(guildId);
            if (guild.Unavailable != available)
            {
                return;
            }

            guild.Unavailable = !available;
            if (guild.BotPresent)
            {
                Publish(available ? "GUILD_CREATE" : "GUILD_DELETE", guildId, GatewayIntents.Guilds, new GuildGone(guildId, !available));
            }
        }
    }

    public void RenameGuild(ulong guildId, string name)
    {
        lock (_gate)
        {
            var guild = GetGuild(guildId);
            guild.Name = name;
            Publish("GUILD_UPDATE", guildId, GatewayIntents.Guilds, guild.Snapshot());
        }
    }

    public EmulatedMessage PostMessage(ulong channelId, ulong authorId, string content, params NewAttachment[] attachments)
    {
        ArgumentNullException.ThrowIfNull(attachments);
        if (attachments.Length > MessageTimeline.MaxAttachments)
        {
            throw new ArgumentException($"At most {MessageTimeline.MaxAttachments} attachments.", nameof(attachments));
        }

        lock (_gate)
        {
            var channel = GetChannel(channelId);
            var author = _users.GetValueOrDefault(authorId) ?? throw new KeyNotFoundException($"Unknown user {authorId}.");
            var message = channel.Timeline.Post(_options.Clock.GetUtcNow(), _lastPostedId + MessageTimeline.MaxAttachments + 1, id => new EmulatedMessage(
                id,
                channelId,
                author,
                content,
                Snowflakes.Time(id),
                [.. attachments.Select((a, k) => new EmulatedAttachment(id + 1 + (ulong)k, a.Filename, a.Size, a.ContentType, Flags: a.Flags))],
                []));
            _lastPostedId = message.Id;
            Publish("MESSAGE_CREATE", channel.Info.GuildId, GatewayIntents.GuildMessages, message);
            return message;
        }
    }

    /// <summary>
    /// A message with a link to a video: Discord sends MESSAGE_CREATE without the embed, then MESSAGE_UPDATE once it
    /// has unfurled the link.
    /// </summary>
    public EmulatedMessage PostVideoLink(ulong channelId, ulong authorId, string url)
    {
        lock (_gate)
        {
            var posted = PostMessage(channelId, authorId, url);
            var video = new EmulatedEmbedVideo(url, 1280, 720, "video/mp4");
            return EditMessage(channelId, posted.Id, url, [new EmulatedEmbed("video", url, "A video", video)]);
        }
    }

    /// <summary>Edits a posted message (generated history cannot be edited).</summary>
    public EmulatedMessage EditMessage(ulong channelId, ulong messageId, string content, IReadOnlyList<EmulatedEmbed>? embeds = null)
    {
        lock (_gate)
        {
            var channel = GetChannel(channelId);
            var message = channel.Timeline.Get(messageId) ?? throw new KeyNotFoundException($"Unknown message {messageId}.");
            var edited = message with { Content = content, Embeds = embeds ?? message.Embeds };
            if (!channel.Timeline.Replace(edited))
            {
                throw new ArgumentException("Only messages posted through the emulator can be edited.");
            }

            Publish("MESSAGE_UPDATE", channel.Info.GuildId, GatewayIntents.GuildMessages, edited);
            return edited;
        }
    }

    public bool DeleteMessage(ulong channelId, ulong messageId) => DeleteMessages(channelId, [messageId]) == 1;

    /// <summary>Deletes messages; one is announced as MESSAGE_DELETE, several as MESSAGE_DELETE_BULK. Returns how many were there.</summary>
    public int DeleteMessages(ulong channelId, IReadOnlyList<ulong> messageIds)
    {
        ArgumentNullException.ThrowIfNull(messageIds);
        lock (_gate)
        {
            var channel = GetChannel(channelId);
            var gone = messageIds.Where(channel.Timeline.Delete).ToList();
            if (gone.Count > 0)
            {
                Publish(messageIds.Count == 1 ? "MESSAGE_DELETE" : "MESSAGE_DELETE_BULK", channel.Info.GuildId, GatewayIntents.GuildMessages, new MessagesGone(channel.Info.GuildId, channelId, gone));
            }

            return gone.Count;
        }
    }

    public void RenameChannel(ulong channelId, string name)
    {
        lock (_gate)
        {
            var channel = GetChannel(channelId);
            channel.Info = channel.Info with { Name = name };
            Publish(channel.Info.IsThread ? "THREAD_UPDATE" : "CHANNEL_UPDATE", channel.Info.GuildId, GatewayIntents.Guilds, channel.Snapshot());
        }
    }

    /// <summary>Deletes a channel with its threads.</summary>
    public void DeleteChannel(ulong channelId)
    {
        lock (_gate)
        {
            var channel = GetChannel(channelId);
            var guild = GetGuild(channel.Info.GuildId);
            foreach (var gone in guild.Channels.Where(c => c.Info.Id == channelId || c.Info.ParentId == channelId && c.Info.IsThread).ToList())
            {
                guild.Channels.Remove(gone);
                _channels.Remove(gone.Info.Id);
            }

            Publish(channel.Info.IsThread ? "THREAD_DELETE" : "CHANNEL_DELETE", guild.Id, GatewayIntents.Guilds, channel.Snapshot());
        }
    }

    /// <summary>Creates an empty channel (or a thread, for types 10–12, under <paramref name="parentId"/>).</summary>
    public EmulatedChannel CreateChannel(ulong guildId, string name, int type = 0, ulong? parentId = null, bool nsfw = false)
    {
        lock (_gate)
        {
            var guild = GetGuild(guildId);
            var position = guild.Channels.Count == 0 ? 0 : guild.Channels.Max(c => c.Info.Position) + 1;
            var channel = _generator.NewChannel(guild, type, name, parentId, position, nsfw, 0, type is 10 or 11 or 12 ? guild.OwnerId : null);
            guild.Channels.Add(channel);
            _channels[channel.Info.Id] = channel;
            Publish(channel.Info.IsThread ? "THREAD_CREATE" : "CHANNEL_CREATE", guildId, GatewayIntents.Guilds, channel.Snapshot());
            return channel.Snapshot();
        }
    }

    public void AddMember(ulong guildId, EmulatedUser user, params ulong[] roleIds)
    {
        ArgumentNullException.ThrowIfNull(user);
        lock (_gate)
        {
            var guild = GetGuild(guildId);
            _users.TryAdd(user.Id, user);
            var member = new EmulatedMember(guildId, _users[user.Id], CheckRoles(guild, roleIds), _options.Clock.GetUtcNow());
            var isNew = !guild.Members.ContainsKey(user.Id);
            guild.Members[user.Id] = member;
            Publish(isNew ? "GUILD_MEMBER_ADD" : "GUILD_MEMBER_UPDATE", guildId, GatewayIntents.GuildMembers, member);
        }
    }

    public bool RemoveMember(ulong guildId, ulong userId)
    {
        lock (_gate)
        {
            var guild = GetGuild(guildId);
            if (!guild.Members.Remove(userId, out var member))
            {
                return false;
            }

            Publish("GUILD_MEMBER_REMOVE", guildId, GatewayIntents.GuildMembers, new MemberGone(guildId, member.User));
            return true;
        }
    }

    public void SetMemberRoles(ulong guildId, ulong userId, params ulong[] roleIds)
    {
        lock (_gate)
        {
            var guild = GetGuild(guildId);
            var member = guild.Members.GetValueOrDefault(userId) ?? throw new KeyNotFoundException($"User {userId} is not in guild {guildId}.");
            guild.Members[userId] = member with { Roles = CheckRoles(guild, roleIds) };
        }
    }

    public void SetRolePermissions(ulong guildId, ulong roleId, ulong permissions)
    {
        lock (_gate)
        {
            var guild = GetGuild(guildId);
            var index = guild.Roles.FindIndex(r => r.Id == roleId);
            if (index < 0)
            {
                throw new KeyNotFoundException($"Unknown role {roleId}.");
            }

            guild.Roles[index] = guild.Roles[index] with { Permissions = permissions };
        }
    }

    public void SetOwner(ulong guildId, ulong userId)
    {
        lock (_gate)
        {
            var guild = GetGuild(guildId);
            if (!guild.Members.ContainsKey(userId))
            {
                throw new KeyNotFoundException($"User {userId} is not in guild {guildId}.");
            }

            guild.OwnerId = userId;
        }
    }

    /// <summary>The privileged intents the application has (both on by default).</summary>
    public void SetIntents(bool membersIntent, bool messageContentIntent)
    {
        lock (_gate)
        {
            MembersIntent = membersIntent;
            MessageContentIntent = messageContentIntent;
        }
    }

    /// <summary>
    /// Runs <paramref name="read"/> under the world's lock: the Gateway builds READY and GUILD_CREATE and registers its
    /// session in one step, so that no change falls between the snapshot and the first event.
    /// </summary>
    internal T Atomically<T>(Func<T> read)
    {
        lock (_gate)
        {
            return read();
        }
    }

    /// <summary>Whether the guild is in an outage (its GUILD_CREATE says <c>unavailable</c>).</summary>
    internal bool IsUnavailable(ulong guildId)
    {
        lock (_gate)
        {
            return GetGuild(guildId).Unavailable;
        }
    }

    private void Publish(string name, ulong? guildId, int intent, object data) => Changed?.Invoke(new WorldEvent(name, guildId, intent, data));
}

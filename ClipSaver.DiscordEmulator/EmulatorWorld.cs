using ClipSaver.DiscordEmulator.World;

namespace ClipSaver.DiscordEmulator;

/// <summary>
/// The emulated Discord: users, guilds, roles, members, channels, threads and messages. Every method is
/// thread-safe; unknown ids throw <see cref="KeyNotFoundException"/>.
/// </summary>
public sealed class EmulatorWorld
{
    private readonly Lock _gate = new();

    /// <summary>The newest id posted in any channel: the next one is above it and its attachments.</summary>
    private ulong _lastPostedId;
    private readonly EmulatorOptions _options;
    private readonly WorldGenerator _generator;
    private readonly Dictionary<ulong, EmulatedUser> _users = [];
    private readonly List<GuildState> _guilds = [];
    private readonly Dictionary<ulong, ChannelState> _channels = [];

    internal EmulatorWorld(EmulatorOptions options)
    {
        _options = options;
        BotUser = new EmulatedUser(ulong.Parse(options.ClientId, System.Globalization.CultureInfo.InvariantCulture), "ClipSaver", null, null, Bot: true);
        _users[BotUser.Id] = BotUser;
        _generator = new WorldGenerator(options);
        _generator.Populate(this, _users, _guilds, _channels);
    }

    public EmulatedUser BotUser { get; }

    public bool MembersIntent { get; private set; } = true;

    public bool MessageContentIntent { get; private set; } = true;

    public IReadOnlyList<EmulatedGuild> Guilds
    {
        get
        {
            lock (_gate)
            {
                return [.. _guilds.Select(g => g.Snapshot())];
            }
        }
    }

    public IReadOnlyList<EmulatedUser> Users
    {
        get
        {
            lock (_gate)
            {
                return [.. _users.Values.OrderBy(u => u.Id)];
            }
        }
    }

    public EmulatedGuild? Guild(ulong guildId)
    {
        lock (_gate)
        {
            return FindGuild(guildId)?.Snapshot();
        }
    }

    public EmulatedUser? User(ulong userId)
    {
        lock (_gate)
        {
            return _users.GetValueOrDefault(userId);
        }
    }

    public IReadOnlyList<EmulatedRole> Roles(ulong guildId)
    {
        lock (_gate)
        {
            return [.. GetGuild(guildId).Roles.OrderBy(r => r.Position).ThenBy(r => r.Id)];
        }
    }

    /// <summary>Channels and threads of a guild, by position.</summary>
    public IReadOnlyList<EmulatedChannel> Channels(ulong guildId)
    {
        lock (_gate)
        {
            return [.. GetGuild(guildId).Channels.Select(c => c.Snapshot())];
        }
    }

    public EmulatedChannel? Channel(ulong channelId)
    {
        lock (_gate)
        {
            return _channels.GetValueOrDefault(channelId)?.Snapshot();
        }
    }

    /// <summary>Members by user id, as Discord pages them.</summary>
    public IReadOnlyList<EmulatedMember> Members(ulong guildId)
    {
        lock (_gate)
        {
            return [.. GetGuild(guildId).Members.Values];
        }
    }

    public EmulatedMember? Member(ulong guildId, ulong userId)
    {
        lock (_gate)
        {
            return GetGuild(guildId).Members.GetValueOrDefault(userId);
        }
    }

    public long CountMessages(ulong channelId)
    {
        lock (_gate)
        {
            return GetChannel(channelId).Timeline.Count;
        }
    }

    public bool BotIsIn(ulong guildId)
    {
        lock (_gate)
        {
            return FindGuild(guildId)?.BotPresent ?? false;
        }
    }

    public EmulatedMessage? Message(ulong channelId, ulong messageId)
    {
        lock (_gate)
        {
            return GetChannel(channelId).Timeline.Get(messageId);
        }
    }

    /// <summary>Up to <paramref name="limit"/> messages older than <paramref name="before"/> (default: the newest), newest first.</summary>
    public IReadOnlyList<EmulatedMessage> Messages(ulong channelId, int limit, ulong? before = null) =>
        MessagePage(channelId, before, null, null, limit);

    /// <summary>The user's base permissions in a guild (roles only; everything for the owner or an administrator).</summary>
    public ulong BasePermissions(ulong guildId, ulong userId)
    {
        lock (_gate)
        {
            var guild = GetGuild(guildId);
            if (guild.OwnerId == userId)
            {
                return Permissions.All;
            }

            if (!guild.Members.TryGetValue(userId, out var member))
            {
                return 0;
            }

            var bits = guild.Roles.Where(r => r.Id == guild.Id || member.Roles.Contains(r.Id)).Aggregate(0UL, (all, r) => all | r.Permissions);
            return (bits & Permissions.Administrator) != 0 ? Permissions.All : bits;
        }
    }

    /// <summary>Guilds the user is a member of.</summary>
    public IReadOnlyList<EmulatedGuild> GuildsOf(ulong userId)
    {
        lock (_gate)
        {
            return [.. _guilds.Where(g => g.Members.ContainsKey(userId)).Select(g => g.Snapshot())];
        }
    }

    public void AddBotToGuild(ulong guildId, ulong permissions = Permissions.ViewChannel | Permissions.ReadMessageHistory)
    {
        lock (_gate)
        {
            JoinBot(GetGuild(guildId), permissions);
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
            return message;
        }
    }

    public bool DeleteMessage(ulong channelId, ulong messageId)
    {
        lock (_gate)
        {
            return GetChannel(channelId).Timeline.Delete(messageId);
        }
    }

    public void RenameChannel(ulong channelId, string name)
    {
        lock (_gate)
        {
            var channel = GetChannel(channelId);
            channel.Info = channel.Info with { Name = name };
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
            guild.Members[user.Id] = new EmulatedMember(guildId, _users[user.Id], CheckRoles(guild, roleIds), _options.Clock.GetUtcNow());
        }
    }

    public bool RemoveMember(ulong guildId, ulong userId)
    {
        lock (_gate)
        {
            return GetGuild(guildId).Members.Remove(userId);
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

    internal IReadOnlyList<EmulatedMessage> MessagePage(ulong channelId, ulong? before, ulong? after, ulong? around, int limit)
    {
        lock (_gate)
        {
            var timeline = GetChannel(channelId).Timeline;
            IEnumerable<ulong> ids;
            if (after is { } lower)
            {
                ids = timeline.Ascending(lower).Take(limit).Reverse();
            }
            else if (around is { } middle)
            {
                var older = timeline.Descending(middle).Take(limit / 2);
                var newer = timeline.Ascending(middle == 0 ? 0 : middle - 1).Take(limit - (limit / 2)).Reverse();
                ids = newer.Concat(older);
            }
            else
            {
                ids = timeline.Descending(before ?? ulong.MaxValue).Take(limit);
            }

            return [.. ids.Select(id => timeline.Get(id)!)];
        }
    }

    /// <summary>An attachment by id: attachment k of message m has id m + 1 + k.</summary>
    internal EmulatedAttachment? FindAttachment(ulong channelId, ulong attachmentId)
    {
        lock (_gate)
        {
            if (!_channels.TryGetValue(channelId, out var channel))
            {
                return null;
            }

            for (ulong k = 0; k < MessageTimeline.MaxAttachments && k < attachmentId; k++)
            {
                var found = channel.Timeline.Get(attachmentId - 1 - k)?.Attachments.FirstOrDefault(a => a.Id == attachmentId);
                if (found is not null)
                {
                    return found;
                }
            }

            return null;
        }
    }

    internal void JoinBot(GuildState guild, ulong permissions)
    {
        guild.BotPresent = true;
        guild.BotPermissions = permissions;
        var role = guild.Roles.FirstOrDefault(r => r.Managed);
        if (role is null)
        {
            role = new EmulatedRole(Snowflakes.Mix(guild.Id, BotUser.Id) >> 1, "ClipSaver", permissions, 2, Managed: true);
            guild.Roles.Add(role);
        }
        else
        {
            guild.Roles[guild.Roles.IndexOf(role)] = role with { Permissions = permissions };
        }

        guild.Members[BotUser.Id] = new EmulatedMember(guild.Id, BotUser, [role.Id], _options.Clock.GetUtcNow());
    }

    private static ulong[] CheckRoles(GuildState guild, ulong[] roleIds) =>
        roleIds.All(id => guild.Roles.Any(r => r.Id == id)) ? roleIds : throw new KeyNotFoundException("Unknown role.");

    private GuildState? FindGuild(ulong guildId) => _guilds.Find(g => g.Id == guildId);

    private GuildState GetGuild(ulong guildId) => FindGuild(guildId) ?? throw new KeyNotFoundException($"Unknown guild {guildId}.");

    private ChannelState GetChannel(ulong channelId) => _channels.GetValueOrDefault(channelId) ?? throw new KeyNotFoundException($"Unknown channel {channelId}.");
}

namespace ClipSaver.DiscordEmulator;

/// <summary>
/// The emulated Discord: users, guilds, roles, members, channels, threads and messages. Every method is
/// thread-safe; unknown ids throw <see cref="KeyNotFoundException"/>.
/// </summary>
public sealed partial class EmulatorWorld
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

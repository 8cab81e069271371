namespace ClipSaver.DiscordEmulator.World;

/// <summary>Builds the world from the seed alone (not from the clock), so the same seed always gives the same ids.</summary>
internal sealed class WorldGenerator(EmulatorOptions options)
{
    /// <summary>Generated history ends here; posted messages follow the clock.</summary>
    public static readonly DateTimeOffset HistoryEnd = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly string[] GuildNames = ["Clip Club", "Speedrun Vault", "Frame Perfect", "Highlight Reel", "Replay Lounge", "Montage Makers"];
    private static readonly string[] ChannelNames = ["clips", "highlights", "general", "fails", "montages", "tutorials", "memes", "archive"];
    private static readonly string[] Sentences =
    [
        "gg everyone", "did anyone record that last round?", "new personal best!", "that was close",
        "check the pinned rules", "who is up for tonight?", "lol", "patch notes are out", "nice shot", "again tomorrow?",
    ];

    private readonly WorldShape _shape = options.World;
    private readonly ulong _seed = (ulong)options.Seed;
    private DateTimeOffset _idClock = new(2018, 3, 1, 0, 0, 0, TimeSpan.Zero);

    public void Populate(EmulatorWorld world, Dictionary<ulong, EmulatedUser> users, List<GuildState> guilds, Dictionary<ulong, ChannelState> channels)
    {
        foreach (var demo in DemoUsers.All)
        {
            users[demo.Id] = demo;
        }

        var people = new List<EmulatedUser>();
        for (var i = 0; i < Math.Max(0, _shape.MembersPerGuild * Math.Max(1, _shape.Guilds) / 2); i++)
        {
            var name = string.Create(CultureInfo.InvariantCulture, $"user-{i + 1:D4}");
            var avatar = Snowflakes.Mix(_seed, 7, (ulong)i) % 3 == 0 ? null : Hash(8, (ulong)i);
            var user = new EmulatedUser(NextId(), name, i % 4 == 0 ? null : string.Create(CultureInfo.InvariantCulture, $"Player {i + 1}"), avatar);
            users[user.Id] = user;
            people.Add(user);
        }

        for (var g = 0; g < _shape.Guilds; g++)
        {
            var owner = g < 2 || people.Count == 0 ? DemoUsers.Owner : people[g % people.Count];
            var name = g < GuildNames.Length ? GuildNames[g] : string.Create(CultureInfo.InvariantCulture, $"Guild {g + 1}");
            var guild = new GuildState(NextId(), name, Hash(9, (ulong)g), owner.Id);
            guilds.Add(guild);

            var everyone = new EmulatedRole(guild.Id, "@everyone", Permissions.DefaultEveryone, 0);
            var managers = new EmulatedRole(NextId(), "Moderators", Permissions.ManageGuild | Permissions.DefaultEveryone, 3);
            var admins = new EmulatedRole(NextId(), "Admins", Permissions.Administrator, 4);
            var regulars = new EmulatedRole(NextId(), "Regulars", Permissions.DefaultEveryone, 1);
            guild.Roles.AddRange([everyone, regulars, managers, admins]);

            var joined = _idClock;
            AddMember(guild, owner, [], joined);
            if (g == 0)
            {
                AddMember(guild, DemoUsers.Manager, [managers.Id], joined);
                AddMember(guild, DemoUsers.Member, [regulars.Id], joined);
            }
            else if (owner.Id != DemoUsers.Owner.Id)
            {
                AddMember(guild, DemoUsers.Owner, [regulars.Id], joined);
            }

            for (var m = 0; guild.Members.Count < _shape.MembersPerGuild && m < people.Count; m++)
            {
                var person = people[(m + (g * 3)) % people.Count];
                ulong[] roles = (m % 7) switch { 0 => [admins.Id], 1 => [managers.Id], 2 or 3 => [regulars.Id], _ => [] };
                AddMember(guild, person, roles, joined.AddDays(m));
            }

            // The second guild is the one the demo owner can still add the bot to.
            if (g != 1)
            {
                world.JoinBot(guild, Permissions.ViewChannel | Permissions.ReadMessageHistory);
            }

            AddChannels(guild, channels);
        }

        // A stage channel per guild, made after everything else so that every id above stays what it was before stage
        // channels existed. Like voice channels, stage channels have a text chat of their own.
        if (_shape.ExtraChannels)
        {
            foreach (var guild in guilds)
            {
                var stage = NewChannel(guild, 13, "Stage", null, 14, false, 0);
                guild.Channels.Add(stage);
                channels[stage.Info.Id] = stage;
            }
        }
    }

    public ChannelState NewChannel(GuildState guild, int type, string name, ulong? parentId, int position, bool nsfw, long messageCount, ulong? ownerId = null, bool archived = false, DateTimeOffset? archivedAt = null)
    {
        var id = NextId();
        var authors = guild.Members.Values.Select(m => m.User).Where(u => !u.Bot).ToArray();
        var info = new EmulatedChannel(id, guild.Id, type, name, parentId, position, nsfw, 0, ownerId, archived, archivedAt);
        return new ChannelState(info, Timeline(id, authors, authors.Length == 0 ? 0 : messageCount));
    }

    private void AddChannels(GuildState guild, Dictionary<ulong, ChannelState> channels)
    {
        void Add(ChannelState channel)
        {
            guild.Channels.Add(channel);
            channels[channel.Info.Id] = channel;
        }

        var count = _shape.MessagesPerChannel;
        var threadCount = Math.Max(5, count / 10);
        var category = NewChannel(guild, 4, "Clips", null, 0, false, 0);
        Add(category);
        for (var c = 0; c < _shape.TextChannelsPerGuild; c++)
        {
            var name = c < ChannelNames.Length ? ChannelNames[c] : string.Create(CultureInfo.InvariantCulture, $"channel-{c + 1}");
            var text = NewChannel(guild, 0, name, category.Info.Id, c + 1, false, count);
            Add(text);
            if (c == 0 && _shape.ExtraChannels)
            {
                var author = guild.OwnerId;
                Add(NewChannel(guild, 11, "best of the week", text.Info.Id, 0, false, threadCount, author));
                Add(NewChannel(guild, 11, "old tournament", text.Info.Id, 0, false, threadCount, author, true, HistoryEnd.AddDays(-30)));
                Add(NewChannel(guild, 11, "older tournament", text.Info.Id, 0, false, threadCount, author, true, HistoryEnd.AddDays(-60)));
            }
        }

        if (!_shape.ExtraChannels)
        {
            return;
        }

        var announcements = NewChannel(guild, 5, "announcements", null, 10, false, Math.Max(1, count / 20));
        Add(announcements);
        Add(NewChannel(guild, 0, "after-dark", null, 11, true, Math.Max(1, count / 4)));
        Add(NewChannel(guild, 2, "Voice", null, 12, false, 0));
        var forum = NewChannel(guild, 15, "clip-requests", null, 13, false, 0);
        Add(forum);
        Add(NewChannel(guild, 11, "request: ranked clips", forum.Info.Id, 0, false, threadCount, guild.OwnerId));
        Add(NewChannel(guild, 11, "request: funny moments", forum.Info.Id, 0, false, threadCount, guild.OwnerId, true, HistoryEnd.AddDays(-10)));
    }

    private MessageTimeline Timeline(ulong channelId, EmulatedUser[] authors, long count)
    {
        // Spread the history over about a year before HistoryEnd; ids stay far apart so attachment ids fit between.
        var start = HistoryEnd.AddDays(-400).AddMinutes(Snowflakes.Mix(_seed, channelId) % (30 * 24 * 60));
        var first = Snowflakes.At(start, Snowflakes.Mix(_seed, channelId, 1));
        var last = Snowflakes.At(HistoryEnd);
        var step = count <= 1 ? 1UL << 22 : Math.Max((last - first) / (ulong)count, MessageTimeline.MaxAttachments + 1);
        return new MessageTimeline(first, step, count, (index, id) => Message(channelId, authors, index, id));
    }

    private EmulatedMessage Message(ulong channelId, EmulatedUser[] authors, long index, ulong id)
    {
        var h = Snowflakes.Mix(_seed, channelId, (ulong)index);
        var author = authors[(int)(h % (ulong)authors.Length)];
        var roll = (h >> 16) % 10_000 / 10_000.0;
        var n = (ulong)index;
        var time = Snowflakes.Time(id);
        if (roll < _shape.VideoShare)
        {
            var webm = (h >> 40) % 4 == 0;
            var size = _shape.MinClipBytes + (long)((h >> 8) % (ulong)Math.Max(1, _shape.MaxClipBytes - _shape.MinClipBytes));
            var hd = (h >> 44) % 2 == 0;
            var clip = new EmulatedAttachment(
                id + 1,
                string.Create(CultureInfo.InvariantCulture, $"clip-{index + 1}.{(webm ? "webm" : "mp4")}"),
                size,
                webm ? "video/webm" : "video/mp4",
                hd ? 1920 : 1280,
                hd ? 1080 : 720,
                5 + ((h >> 48) % 55),
                (h >> 52) % 3 == 0 ? 1 : 0);
            List<EmulatedAttachment> attachments = [clip];
            if ((h >> 56) % 8 == 0)
            {
                attachments.Add(new EmulatedAttachment(id + 2, "thumbnail.png", 2_000 + (long)(h % 30_000), "image/png", 320, 180));
            }

            return new EmulatedMessage(id, channelId, author, (h >> 20) % 2 == 0 ? "" : "clip of the day", time, attachments, []);
        }

        if (roll < _shape.VideoShare + _shape.EmbedShare)
        {
            var key = Hash(11, n ^ channelId)[..11];
            var page = "https://videos.example.com/watch/" + key;
            var video = new EmulatedEmbedVideo("https://videos.example.com/v/" + key + ".mp4", 1280, 720, "video/mp4");
            return new EmulatedMessage(id, channelId, author, page, time, [], [new EmulatedEmbed("video", page, "A clip on an external host", video)]);
        }

        if (roll < _shape.VideoShare + _shape.EmbedShare + 0.05)
        {
            var image = new EmulatedAttachment(id + 1, string.Create(CultureInfo.InvariantCulture, $"screenshot-{index + 1}.png"), 5_000 + (long)(h % 50_000), "image/png", 1280, 720);
            return new EmulatedMessage(id, channelId, author, "", time, [image], []);
        }

        return new EmulatedMessage(id, channelId, author, Sentences[(int)((h >> 24) % (ulong)Sentences.Length)], time, [], []);
    }

    private static void AddMember(GuildState guild, EmulatedUser user, ulong[] roles, DateTimeOffset joined) =>
        guild.Members[user.Id] = new EmulatedMember(guild.Id, user, roles, joined);

    private ulong NextId()
    {
        _idClock = _idClock.AddSeconds(1 + (Snowflakes.Mix(_seed, (ulong)_idClock.ToUnixTimeSeconds()) % 3600));
        return Snowflakes.At(_idClock, Snowflakes.Mix(_seed, (ulong)_idClock.Ticks));
    }

    private string Hash(ulong kind, ulong n) => Snowflakes.Mix(_seed, kind, n).ToString("x16", CultureInfo.InvariantCulture) + Snowflakes.Mix(_seed, n, kind).ToString("x16", CultureInfo.InvariantCulture);
}

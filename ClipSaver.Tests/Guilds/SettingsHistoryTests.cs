namespace ClipSaver.Tests.Guilds;

/// <summary>
/// The settings history, through the use cases against the real database: every change a version with who, when,
/// before and after; restore through the same rules with an entry of its own; nothing written when nothing changes.
/// </summary>
public sealed class SettingsHistoryTests : ClipClubTestBase
{
    private static Actor Owner => Actor.User(TestDiscord.Id(DemoUsers.Owner.Id));

    private async Task<SettingsChangeResult> ChangeAsync(Actor actor, GuildSettings settings, long? guildId = null)
    {
        SettingsChangeResult result = null!;
        await RunAsync<ChangeGuildSettings>(async c => result = await c.ChangeAsync(actor, guildId ?? GuildId, settings, CancellationToken.None));
        return result;
    }

    private async Task<SettingsChangeResult> RestoreAsync(Actor actor, long versionId)
    {
        SettingsChangeResult result = null!;
        await RunAsync<RestoreGuildSettings>(async c => result = await c.RestoreAsync(actor, GuildId, versionId, CancellationToken.None));
        return result;
    }

    private async Task<SettingsHistoryResult> HistoryAsync(Actor actor, string? cursor = null, int limit = 50)
    {
        SettingsHistoryResult result = null!;
        await RunAsync<SettingsHistory>(async h => result = await h.ListAsync(actor, GuildId, cursor, limit, CancellationToken.None));
        return result;
    }

    private async Task<GuildSettings> CurrentAsync()
    {
        GuildSettings settings = null!;
        await RunAsync<GuildSettingsStore>(async s => settings = await s.GetAsync(GuildId, CancellationToken.None));
        return settings;
    }

    private async Task NameOwnerAsync(string name)
    {
        await using var db = Db.CreateContext();
        var id = TestDiscord.Id(DemoUsers.Owner.Id);
        if (!await db.Users.AnyAsync(u => u.Id == id))
        {
            db.Users.Add(new User { Id = id, Username = "demo-owner", CreatedAt = DateTimeOffset.UtcNow });
            await db.SaveChangesAsync();
        }

        await db.Users.Where(u => u.Id == id).ExecuteUpdateAsync(s => s.SetProperty(u => u.GlobalName, name));
    }

    private async Task<(int Versions, int Audits, DateTimeOffset? UpdatedAt)> StateAsync()
    {
        await using var db = Db.CreateContext();
        return (await db.GuildSettingsVersions.CountAsync(v => v.GuildId == GuildId),
            await db.AuditEvents.CountAsync(a => a.GuildId == GuildId && a.Action.StartsWith("settings.")),
            await db.GuildSettings.Where(s => s.GuildId == GuildId).Select(s => (DateTimeOffset?)s.UpdatedAt).FirstOrDefaultAsync());
    }

    [Fact]
    public async Task A_change_records_a_version_with_who_when_and_before_and_after_read_as_a_person_reads_them()
    {
        await NameOwnerAsync("Alice");
        var saved = Assert.IsType<SettingsChangeResult.Saved>(await ChangeAsync(Owner, new GuildSettings { MaxFileSizeMb = 200, AllowNsfwChannels = true, BackfillSince = new DateOnly(2024, 1, 1) }));
        Assert.True(saved.Changed);

        var listed = Assert.IsType<SettingsHistoryResult.Listed>(await HistoryAsync(Owner));
        Assert.Equal([SettingsVersionKind.Changed, SettingsVersionKind.Initial], listed.Entries.Select(e => e.Kind));
        var change = listed.Entries[0];
        Assert.Equal(saved.VersionId, change.Id);
        Assert.Equal("Alice", change.Who);
        Assert.True(DateTimeOffset.UtcNow - change.At < TimeSpan.FromMinutes(1));
        Assert.Equal(
            ["Allow NSFW channels off → on", "Largest file to keep 500 MB → 200 MB", "Read history back to the whole history → 1 Jan 2024"],
            change.Changes.Select(c => c.ToString()));
        Assert.Equal((500, 200), (change.Changes[1].Before!.GetValue<int>(), change.Changes[1].After!.GetValue<int>()));
        Assert.Equal($"{Display.Time(change.At)} · Alice · Allow NSFW channels off → on · Largest file to keep 500 MB → 200 MB · Read history back to the whole history → 1 Jan 2024", change.Summary);

        // The settings before the first change are a version too, so that they can be restored.
        var initial = listed.Entries[1];
        Assert.Empty(initial.Changes);
        Assert.Equal(500, initial.Settings.MaxFileSizeMb);
        Assert.Equal("Settings before the first recorded change", initial.What);
        Assert.True(initial.Id < change.Id);
        Assert.Equal((2, 1), ((await StateAsync()).Versions, (await StateAsync()).Audits));
    }

    [Fact]
    public async Task Restore_reapplies_the_version_through_the_same_rules_and_records_its_own_entry()
    {
        await NameOwnerAsync("Alice");
        var first = Assert.IsType<SettingsChangeResult.Saved>(await ChangeAsync(Owner, new GuildSettings { MaxFileSizeMb = 200 }));
        Assert.IsType<SettingsChangeResult.Saved>(await ChangeAsync(Actor.User(TestDiscord.Id(DemoUsers.Manager.Id)), new GuildSettings { MaxFileSizeMb = 300, DepartedMemberClips = DepartedMemberClips.Delete }));

        var restored = Assert.IsType<SettingsChangeResult.Saved>(await RestoreAsync(Owner, first.VersionId!.Value));
        Assert.True(restored.Changed);
        Assert.Equal(["Largest file to keep 300 MB → 200 MB", "Clips of members who leave delete their clips → keep their clips"], restored.Changes.Select(c => c.ToString()));
        Assert.Equal((200, DepartedMemberClips.Keep), ((await CurrentAsync()).MaxFileSizeMb, (await CurrentAsync()).DepartedMemberClips));

        var top = Assert.IsType<SettingsHistoryResult.Listed>(await HistoryAsync(Owner)).Entries[0];
        Assert.Equal((SettingsVersionKind.Restored, first.VersionId, restored.VersionId), (top.Kind, top.RestoredFromId, (long?)top.Id));
        await using var db = Db.CreateContext();
        var firstAt = await db.GuildSettingsVersions.Where(v => v.Id == first.VersionId).Select(v => v.CreatedAt).SingleAsync();
        Assert.Equal($"Restored the version of {Display.Time(firstAt)}", top.What);
        Assert.StartsWith($"{Display.Time(top.At)} · Alice · Restored the version of {Display.Time(firstAt)} · Largest file to keep 300 MB → 200 MB", top.Summary, StringComparison.Ordinal);
        var audit = await db.AuditEvents.Where(a => a.GuildId == GuildId).OrderByDescending(a => a.Id).FirstAsync();
        Assert.Equal(("settings.restored", $"Settings restored to the version of {Display.Time(firstAt)}."), (audit.Action, audit.Summary));

        // The settings before the first change can be put back as well.
        var initial = await db.GuildSettingsVersions.Where(v => v.GuildId == GuildId && v.Kind == SettingsVersionKind.Initial).Select(v => v.Id).SingleAsync();
        Assert.IsType<SettingsChangeResult.Saved>(await RestoreAsync(Owner, initial));
        Assert.Equal(500, (await CurrentAsync()).MaxFileSizeMb);
    }

    [Fact]
    public async Task Restoring_a_version_equal_to_the_current_settings_or_saving_the_same_values_changes_nothing_and_says_so()
    {
        var saved = Assert.IsType<SettingsChangeResult.Saved>(await ChangeAsync(Owner, new GuildSettings { MaxFileSizeMb = 200 }));
        var before = await StateAsync();

        var again = Assert.IsType<SettingsChangeResult.Saved>(await RestoreAsync(Owner, saved.VersionId!.Value));
        Assert.False(again.Changed);
        Assert.Empty(again.Changes);
        var same = Assert.IsType<SettingsChangeResult.Saved>(await ChangeAsync(Owner, new GuildSettings { MaxFileSizeMb = 200 }));
        Assert.False(same.Changed);

        Assert.Equal(before, await StateAsync());
    }

    [Fact]
    public async Task A_member_without_rights_can_neither_restore_nor_read_the_history_and_nothing_changes()
    {
        var saved = Assert.IsType<SettingsChangeResult.Saved>(await ChangeAsync(Owner, new GuildSettings { MaxFileSizeMb = 200 }));
        await using (var db = Db.CreateContext())
        {
            var initial = await db.GuildSettingsVersions.Where(v => v.GuildId == GuildId && v.Kind == SettingsVersionKind.Initial).Select(v => v.Id).SingleAsync();
            var before = await StateAsync();
            var member = Actor.User(TestDiscord.Id(DemoUsers.Member.Id));

            Assert.IsType<SettingsChangeResult.UnknownGuild>(await RestoreAsync(member, initial));
            Assert.IsType<SettingsHistoryResult.UnknownGuild>(await HistoryAsync(member));
            Assert.Equal(before, await StateAsync());
        }

        Assert.Equal(200, (await CurrentAsync()).MaxFileSizeMb);
        Assert.NotNull(saved.VersionId);
    }

    [Fact]
    public async Task Another_guilds_version_and_an_unknown_version_are_unknown_and_a_removed_guild_is_read_only()
    {
        var otherVersion = await OtherGuildsSettingsVersionAsync();

        var saved = Assert.IsType<SettingsChangeResult.Saved>(await ChangeAsync(Owner, new GuildSettings { MaxFileSizeMb = 200 }));
        var before = await StateAsync();
        Assert.IsType<SettingsChangeResult.UnknownVersion>(await RestoreAsync(Owner, otherVersion));
        Assert.IsType<SettingsChangeResult.UnknownVersion>(await RestoreAsync(Owner, long.MaxValue));
        Assert.IsType<SettingsChangeResult.UnknownVersion>(await RestoreAsync(Owner, -1));
        Assert.Equal(before, await StateAsync());
        Assert.Equal(200, (await CurrentAsync()).MaxFileSizeMb);

        await using (var db = Db.CreateContext())
        {
            await db.Guilds.Where(g => g.Id == GuildId).ExecuteUpdateAsync(s => s.SetProperty(g => g.DeletedAt, DateTimeOffset.UtcNow));
            var initial = await db.GuildSettingsVersions.Where(v => v.GuildId == GuildId && v.Kind == SettingsVersionKind.Initial).Select(v => v.Id).SingleAsync();
            Assert.IsType<SettingsChangeResult.GuildRemoved>(await RestoreAsync(Owner, initial));
        }

        Assert.Equal(before, await StateAsync());
        Assert.NotNull(saved.VersionId);
    }

    [Fact]
    public async Task Changes_at_the_same_time_make_a_chain_where_each_before_is_the_previous_after()
    {
        await Task.WhenAll(Enumerable.Range(1, 6).Select(i => ChangeAsync(Owner, new GuildSettings { MaxFileSizeMb = 100 + i })));

        var entries = Assert.IsType<SettingsHistoryResult.Listed>(await HistoryAsync(Owner)).Entries.Reverse().ToList();
        Assert.Equal(7, entries.Count);
        for (var i = 1; i < entries.Count; i++)
        {
            var change = Assert.Single(entries[i].Changes);
            Assert.Equal(entries[i - 1].Settings.MaxFileSizeMb, change.Before!.GetValue<int>());
            Assert.Equal(entries[i].Settings.MaxFileSizeMb, change.After!.GetValue<int>());
        }

        Assert.Equal(entries[^1].Settings.MaxFileSizeMb, (await CurrentAsync()).MaxFileSizeMb);
    }

    [Fact]
    public async Task The_history_pages_newest_first_by_cursor()
    {
        for (var mb = 101; mb <= 104; mb++)
        {
            await ChangeAsync(Owner, new GuildSettings { MaxFileSizeMb = mb });
        }

        var seen = new List<long>();
        string? cursor = null;
        do
        {
            var page = Assert.IsType<SettingsHistoryResult.Listed>(await HistoryAsync(Owner, cursor, limit: 2));
            Assert.InRange(page.Entries.Count, 1, 2);
            seen.AddRange(page.Entries.Select(e => e.Id));
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        Assert.Equal(5, seen.Count);
        Assert.Equal(seen.OrderDescending(), seen);
        Assert.IsType<SettingsHistoryResult.BadCursor>(await HistoryAsync(Owner, "not-a-cursor"));
    }

    [Fact]
    public void Every_setting_has_a_label_and_reads_as_words_not_raw_values()
    {
        var properties = typeof(GuildSettings).GetProperties()
            .Where(p => p.GetCustomAttributes(typeof(System.Text.Json.Serialization.JsonIgnoreAttribute), true).Length == 0)
            .Select(p => p.Name);
        Assert.Equal(properties.Order(), SettingsChanges.FieldNames.Order());

        var before = new GuildSettings();
        var after = new GuildSettings
        {
            ArchiveNewChannels = true,
            ClipExtensions = [],
            MaxFileSizeMb = 4096,
            KeepVideoEmbeds = false,
            MessageDeletedClips = MessageDeletedClips.Delete,
            BackfillSince = new DateOnly(2023, 12, 5),
        };
        Assert.Equal(
        [
            "Archive new channels automatically off → on",
            "File types mp4, webm, mov, mkv, m4v → none",
            "Largest file to keep 500 MB → 4,096 MB",
            "Keep video links on → off",
            "Clips whose message is deleted keep the clips → delete the clips",
            "Read history back to the whole history → 5 Dec 2023",
        ], SettingsChanges.Between(before, after).Select(c => c.ToString()));
        Assert.Empty(SettingsChanges.Between(after, after with { ClipExtensions = [] }));
    }
}

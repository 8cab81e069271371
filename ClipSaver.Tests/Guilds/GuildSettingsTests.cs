namespace ClipSaver.Tests.Guilds;

public sealed class GuildSettingsTests
{
    private static readonly GuildSettings Defaults = new();

    [Fact]
    public void Only_changed_values_are_stored_and_merging_them_back_gives_the_same_settings()
    {
        var changed = Defaults with { AllowNsfwChannels = true, MaxFileSizeMb = 50, DepartedMemberClips = DepartedMemberClips.Delete };

        var json = GuildSettings.Diff(Defaults, changed);
        var merged = GuildSettings.Merge(Defaults, json);

        Assert.Equal("{\"allowNsfwChannels\":true,\"maxFileSizeMb\":50,\"departedMemberClips\":\"Delete\"}", json);
        Assert.Equal(changed with { ClipExtensions = Defaults.ClipExtensions }, merged with { ClipExtensions = Defaults.ClipExtensions });
        Assert.Equal(Defaults.ClipExtensions, merged.ClipExtensions);
    }

    [Fact]
    public void A_new_default_reaches_a_guild_that_never_changed_that_setting()
    {
        var stored = GuildSettings.Diff(Defaults, Defaults with { AllowNsfwChannels = true });
        var newDefaults = Defaults with { MaxFileSizeMb = 900 };

        var merged = GuildSettings.Merge(newDefaults, stored);

        Assert.Equal(900, merged.MaxFileSizeMb);
        Assert.True(merged.AllowNsfwChannels);
    }

    [Fact]
    public void Stored_values_that_no_longer_fit_fall_back_to_the_defaults()
    {
        Assert.Equal(Defaults.MaxFileSizeMb, GuildSettings.Merge(Defaults, "{\"maxFileSizeMb\":\"lots\"}").MaxFileSizeMb);
        Assert.Equal(Defaults.MaxFileSizeMb, GuildSettings.Merge(Defaults, "{\"unknownKey\":1}").MaxFileSizeMb);
    }

    [Theory]
    [InlineData(0, "mp4", "MaxFileSizeMb")]
    [InlineData(5000, "mp4", "MaxFileSizeMb")]
    [InlineData(10, "mp 4", "ClipExtensions")]
    [InlineData(10, "", "ClipExtensions")]
    public void Invalid_values_name_their_field(int maxMb, string extension, string field)
    {
        var errors = (Defaults with { MaxFileSizeMb = maxMb, ClipExtensions = [extension] }).Validate();

        Assert.Equal([field], errors.Keys);
    }

    [Fact]
    public void Clip_extensions_match_without_regard_to_case()
    {
        Assert.True(Defaults.IsClipExtension("Funny.MP4"));
        Assert.False(Defaults.IsClipExtension("picture.png"));
        Assert.False(Defaults.IsClipExtension("no-extension"));
    }
}

using System.Text.Json.Nodes;

namespace ClipSaver.Core.Guilds;

/// <summary>One field that differs between two versions of the settings: its raw values and how a person reads them.</summary>
public sealed record SettingsChange(string Field, string Label, JsonNode? Before, JsonNode? After, string BeforeText, string AfterText)
{
    /// <summary>"Largest file to keep 500 MB → 200 MB".</summary>
    public override string ToString() => $"{Label} {BeforeText} → {AfterText}";
}

/// <summary>
/// The settings' fields as a person reads them ("on", "500 MB", "keep their clips", "1 Jan 2024"), in the settings
/// page's order and words, and the differences between two versions.
/// </summary>
public static class SettingsChanges
{
    private sealed record Field(string Name, string Label, Func<GuildSettings, string> Text);

    private static readonly Field[] Fields =
    [
        new(nameof(GuildSettings.ArchiveNewChannels), "Archive new channels automatically", s => OnOff(s.ArchiveNewChannels)),
        new(nameof(GuildSettings.AllowNsfwChannels), "Allow NSFW channels", s => OnOff(s.AllowNsfwChannels)),
        new(nameof(GuildSettings.ClipExtensions), "File types", s => s.ClipExtensions.Count == 0 ? "none" : string.Join(", ", s.ClipExtensions)),
        new(nameof(GuildSettings.MaxFileSizeMb), "Largest file to keep", s => string.Create(CultureInfo.InvariantCulture, $"{s.MaxFileSizeMb:N0} MB")),
        new(nameof(GuildSettings.KeepVideoEmbeds), "Keep video links", s => OnOff(s.KeepVideoEmbeds)),
        new(nameof(GuildSettings.DepartedMemberClips), "Clips of members who leave", s => s.DepartedMemberClips == DepartedMemberClips.Keep ? "keep their clips" : "delete their clips"),
        new(nameof(GuildSettings.MessageDeletedClips), "Clips whose message is deleted", s => s.MessageDeletedClips == MessageDeletedClips.Keep ? "keep the clips" : "delete the clips"),
        new(nameof(GuildSettings.BackfillSince), "Read history back to",
            s => s.BackfillSince is { } since ? since.ToString("d MMM yyyy", CultureInfo.InvariantCulture) : "the whole history"),
    ];

    /// <summary>The names of the fields described here (a test holds them to the settings' own properties).</summary>
    public static IEnumerable<string> FieldNames => Fields.Select(f => f.Name);

    /// <summary>What differs from <paramref name="before"/> to <paramref name="after"/>, in the page's order; empty when nothing does.</summary>
    public static IReadOnlyList<SettingsChange> Between(GuildSettings before, GuildSettings after)
    {
        var b = JsonSerializer.SerializeToNode(before, GuildSettings.Json)!.AsObject();
        var a = JsonSerializer.SerializeToNode(after, GuildSettings.Json)!.AsObject();
        var changes = new List<SettingsChange>();
        foreach (var field in Fields)
        {
            var key = JsonNamingPolicy.CamelCase.ConvertName(field.Name);
            if (!JsonNode.DeepEquals(b[key], a[key]))
            {
                changes.Add(new SettingsChange(key, field.Label, b[key]?.DeepClone(), a[key]?.DeepClone(), field.Text(before), field.Text(after)));
            }
        }

        return changes;
    }

    /// <summary>Whether two versions hold the same values.</summary>
    public static bool Same(GuildSettings a, GuildSettings b) => Between(a, b).Count == 0;

    private static string OnOff(bool value) => value ? "on" : "off";
}

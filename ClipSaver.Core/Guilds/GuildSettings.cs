using System.Text.Json.Serialization;

namespace ClipSaver.Core.Guilds;

public enum DepartedMemberClips
{
    /// <summary>Clips of members who left stay in the archive.</summary>
    Keep,

    /// <summary>Clips of members who left are deleted through the purge machinery.</summary>
    Delete,
}

public enum MessageDeletedClips
{
    /// <summary>A clip whose message is deleted on Discord stays in the archive (it is an archive).</summary>
    Keep,

    /// <summary>A clip whose message is deleted on Discord is deleted from the archive as well (seen live over the Gateway).</summary>
    Delete,
}

/// <summary>
/// A guild's effective settings: the defaults from configuration (<c>ClipSaver:GuildDefaults</c>) with the guild's
/// own changes on top. Only the changed values are stored (jsonb), so a new default reaches every guild that never
/// changed that setting.
/// </summary>
public sealed record GuildSettings
{
    /// <summary>New channels found by a sync are archived without anyone switching them on.</summary>
    public bool ArchiveNewChannels { get; init; }

    /// <summary>Channels marked NSFW may be archived.</summary>
    public bool AllowNsfwChannels { get; init; }

    /// <summary>File extensions (without the dot) that count as clips besides any video/* content type.</summary>
    public IReadOnlyList<string> ClipExtensions { get; init; } = ["mp4", "webm", "mov", "mkv", "m4v"];

    /// <summary>Largest file kept, in megabytes; larger clips are recorded as skipped.</summary>
    public int MaxFileSizeMb { get; init; } = 500;

    /// <summary>Video links (embeds) are kept as links, without a file.</summary>
    public bool KeepVideoEmbeds { get; init; } = true;

    /// <summary>What happens to the clips of members who leave the guild.</summary>
    [JsonConverter(typeof(EnumNamesOnlyConverter<DepartedMemberClips>))]
    public DepartedMemberClips DepartedMemberClips { get; init; } = DepartedMemberClips.Keep;

    /// <summary>What happens to archived clips when their message is deleted on Discord.</summary>
    [JsonConverter(typeof(EnumNamesOnlyConverter<MessageDeletedClips>))]
    public MessageDeletedClips MessageDeletedClips { get; init; } = MessageDeletedClips.Keep;

    /// <summary>A backfill stops at this date; null reads the whole history.</summary>
    public DateOnly? BackfillSince { get; init; }

    [JsonIgnore]
    public long MaxFileSizeBytes => MaxFileSizeMb * 1024L * 1024L;

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The defaults with the stored changes applied; unknown or malformed stored keys are ignored.</summary>
    public static GuildSettings Merge(GuildSettings defaults, string? storedJson)
    {
        if (string.IsNullOrWhiteSpace(storedJson))
        {
            return defaults;
        }

        var merged = JsonSerializer.SerializeToNode(defaults, Json)!.AsObject();
        var stored = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(storedJson, Json) ?? [];
        foreach (var (key, value) in stored)
        {
            var name = merged.Select(p => p.Key).FirstOrDefault(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase));
            if (name is not null)
            {
                merged[name] = System.Text.Json.Nodes.JsonNode.Parse(value.GetRawText());
            }
        }

        try
        {
            return merged.Deserialize<GuildSettings>(Json) ?? defaults;
        }
        catch (JsonException)
        {
            return defaults;
        }
    }

    /// <summary>The values that differ from the defaults, as stored JSON.</summary>
    public static string Diff(GuildSettings defaults, GuildSettings settings)
    {
        var d = JsonSerializer.SerializeToNode(defaults, Json)!.AsObject();
        var s = JsonSerializer.SerializeToNode(settings, Json)!.AsObject();
        var diff = new System.Text.Json.Nodes.JsonObject();
        foreach (var (key, value) in s)
        {
            if (!System.Text.Json.Nodes.JsonNode.DeepEquals(value, d[key]))
            {
                diff[key] = value?.DeepClone();
            }
        }

        return diff.ToJsonString(Json);
    }

    /// <summary>Field errors keyed by property name; empty when the settings are valid.</summary>
    public IReadOnlyDictionary<string, string[]> Validate()
    {
        var errors = new Dictionary<string, string[]>();
        if (MaxFileSizeMb is < 1 or > 4096)
        {
            errors[nameof(MaxFileSizeMb)] = ["The largest file must be between 1 and 4096 MB."];
        }

        if (ClipExtensions.Count > 30)
        {
            errors[nameof(ClipExtensions)] = ["List at most 30 file types."];
        }
        else if (ClipExtensions.Any(e => e.Length is 0 or > 10 || !e.All(char.IsAsciiLetterOrDigit)))
        {
            errors[nameof(ClipExtensions)] = ["File types are short names of letters and digits, such as mp4 or webm, separated by commas."];
        }

        if (BackfillSince is { } since && since < new DateOnly(2015, 1, 1))
        {
            errors[nameof(BackfillSince)] = ["Discord began in 2015; choose a later date or leave it empty."];
        }

        return errors;
    }

    /// <summary>Whether a file name's extension is one of the clip types.</summary>
    public bool IsClipExtension(string fileName)
    {
        var ext = Path.GetExtension(fileName).TrimStart('.');
        return ext.Length > 0 && ClipExtensions.Any(e => string.Equals(e, ext, StringComparison.OrdinalIgnoreCase));
    }
}

/// <summary>An enum read and written by name only: a number, which could be a value the enum does not define, is refused.</summary>
public sealed class EnumNamesOnlyConverter<T>() : JsonStringEnumConverter<T>(namingPolicy: null, allowIntegerValues: false)
    where T : struct, Enum;

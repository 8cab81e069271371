namespace ClipSaver.Core.Data;

public enum SettingsVersionKind
{
    /// <summary>The settings as they were before the first recorded change (so that they can be restored too).</summary>
    Initial,

    /// <summary>Someone saved different settings.</summary>
    Changed,

    /// <summary>Someone restored an earlier version.</summary>
    Restored,
}

/// <summary>
/// One version of a guild's settings: the full effective values after a change, the values before it, and who made it
/// (docs/decisions/023-settings-history.md). Written by <c>ChangeGuildSettings</c> in the transaction of the change.
/// </summary>
public sealed class GuildSettingsVersion
{
    public long Id { get; set; }
    public long GuildId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public SettingsVersionKind Kind { get; set; }

    /// <summary>Null when ClipSaver itself made the change (or nobody: the defaults of an initial version).</summary>
    public long? ActorUserId { get; set; }

    /// <summary>The actor's name as ClipSaver knew it at the time.</summary>
    public string? ActorName { get; set; }

    /// <summary>The API token the change came through, if it did.</summary>
    public long? ApiTokenId { get; set; }
    public string? ApiTokenName { get; set; }

    /// <summary>Effective settings before the change (JSON); null for <see cref="SettingsVersionKind.Initial"/>.</summary>
    public string? BeforeJson { get; set; }

    /// <summary>Effective settings after the change (JSON): the values "restore this version" puts back.</summary>
    public string SettingsJson { get; set; } = "{}";

    /// <summary>For a restore: the version restored and its time, kept as written even if that version is gone.</summary>
    public long? RestoredFromId { get; set; }
    public DateTimeOffset? RestoredFromAt { get; set; }
}

using ClipSaver.Core.Database;

namespace ClipSaver.Core.Storage;

/// <summary>The <c>ClipSaver:Storage</c> section.</summary>
public sealed class StorageOptions
{
    public const string Section = "ClipSaver:Storage";

    /// <summary>The folder that holds archived files. Default: next to the local database's data.</summary>
    public string? Root { get; set; }

    public string EffectiveRoot => !string.IsNullOrWhiteSpace(Root)
        ? Root
        : Path.Combine(Path.GetDirectoryName(LocalPostgresCluster.DefaultDataDirectory())!, "clips");
}

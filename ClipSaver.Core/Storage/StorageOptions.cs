using System.ComponentModel.DataAnnotations;
using ClipSaver.Core.Database;

namespace ClipSaver.Core.Storage;

/// <summary>The <c>ClipSaver:Storage</c> section.</summary>
public sealed class StorageOptions : IValidatableObject
{
    public const string Section = "ClipSaver:Storage";

    /// <summary>The folder that holds archived files. Default: next to the local database's data.</summary>
    public string? Root { get; set; }

    public string EffectiveRoot => !string.IsNullOrWhiteSpace(Root)
        ? Root
        : Path.Combine(Path.GetDirectoryName(LocalPostgresCluster.DefaultDataDirectory())!, "clips");

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // Left out, the default folder is used; set but blank is a mistake (an unset environment variable, say)
        // that must not silently put the archive somewhere else.
        if (Root is not null && string.IsNullOrWhiteSpace(Root))
        {
            yield return new ValidationResult("The folder for archived files is empty; name a folder, or leave the key out for the default.", [nameof(Root)]);
        }
        else if (Root is not null && Root.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
        {
            yield return new ValidationResult("The folder for archived files is not a valid path.", [nameof(Root)]);
        }
    }
}

using ClipSaver.Core.Database;

namespace ClipSaver.Core.Storage;

/// <summary>The <c>ClipSaver:Storage</c> section.</summary>
public sealed class StorageOptions : IValidatableObject
{
    public const string Section = "ClipSaver:Storage";
    public const string LocalKind = "Local";
    public const string S3Kind = "S3";

    /// <summary><c>Local</c> (default: a folder on this machine) or <c>S3</c> (an S3-compatible object store).</summary>
    public string Kind { get; set; } = LocalKind;

    /// <summary>The folder that holds archived files. Default: next to the local database's data.</summary>
    public string? Root { get; set; }

    /// <summary>The object store, read when <see cref="Kind"/> is <c>S3</c>.</summary>
    public S3StorageOptions S3 { get; set; } = new();

    public bool IsS3 => string.Equals(Kind, S3Kind, StringComparison.OrdinalIgnoreCase);

    public string EffectiveRoot => !string.IsNullOrWhiteSpace(Root)
        ? Root
        : Path.Combine(Path.GetDirectoryName(LocalPostgresCluster.DefaultDataDirectory())!, "clips");

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IsS3 && !string.Equals(Kind, LocalKind, StringComparison.OrdinalIgnoreCase))
        {
            yield return new ValidationResult("The kind of storage must be Local or S3.", [nameof(Kind)]);
        }

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

        if (IsS3)
        {
            // Validator does not descend into nested objects; the member names carry the sub-section so that each
            // message names its full key (ClipSaver:Storage:S3:Bucket).
            foreach (var result in S3.Validate())
            {
                yield return new ValidationResult(result.ErrorMessage, result.MemberNames.Select(m => $"{nameof(S3)}:{m}"));
            }
        }
    }
}

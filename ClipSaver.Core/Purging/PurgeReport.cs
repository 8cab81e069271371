using System.Text.Json;

namespace ClipSaver.Core.Purging;

/// <summary>A purge's progress and, once done, its report, read from the run's JSON.</summary>
public sealed record PurgeReport(
    IReadOnlyDictionary<string, long> RowsDeleted,
    long ClipsDeleted,
    long FilesDeleted,
    long BytesDeleted,
    bool? VerificationOk,
    IReadOnlyList<string> Warnings,
    IReadOnlyDictionary<string, long> TimingsMs,
    long LongestTransactionMs = 0)
{
    public static PurgeReport Parse(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return new PurgeReport(new Dictionary<string, long>(), 0, 0, 0, null, [], new Dictionary<string, long>());
        }

        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var rows = Numbers(root, "rows_deleted");
        return new PurgeReport(
            rows,
            rows.GetValueOrDefault("clips"),
            Number(root, "files_deleted"),
            Number(root, "file_bytes_deleted"),
            root.TryGetProperty("verification", out var v) && v.TryGetProperty("ok", out var ok) ? ok.GetBoolean() : null,
            root.TryGetProperty("warnings", out var w) ? [.. w.EnumerateArray().Select(x => x.GetString() ?? "")] : [],
            Numbers(root, "timings_ms"),
            Number(root, "longest_transaction_ms"));
    }

    private static long Number(JsonElement root, string name) => root.TryGetProperty(name, out var e) && e.ValueKind == JsonValueKind.Number ? e.GetInt64() : 0;

    private static Dictionary<string, long> Numbers(JsonElement root, string name) =>
        root.TryGetProperty(name, out var e) && e.ValueKind == JsonValueKind.Object
            ? e.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64())
            : [];
}

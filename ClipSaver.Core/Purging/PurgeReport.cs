using System.Text.Json.Serialization;

namespace ClipSaver.Core.Purging;

/// <summary>A purge's progress and, once done, its report: what the run's <c>progress</c> JSON holds, typed.</summary>
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
        var stored = string.IsNullOrEmpty(json) ? new StoredProgress() : JsonSerializer.Deserialize<StoredProgress>(json) ?? new StoredProgress();
        var rows = stored.RowsDeleted ?? [];
        return new PurgeReport(rows, rows.GetValueOrDefault(PurgeProgress.ClipsTable), stored.FilesDeleted, stored.FileBytesDeleted, stored.Verification?.Ok,
            stored.Warnings ?? [], stored.TimingsMs ?? [], stored.LongestTransactionMs);
    }
}

/// <summary>What the verification found left of the scope, by table (and <c>files</c> in storage); ok when all are zero.</summary>
public sealed record PurgeVerification(bool Ok, IReadOnlyDictionary<string, long> Remaining);

/// <summary>The JSON's names, spelled here only: <see cref="PurgeProgress"/> writes them and <see cref="PurgeReport.Parse"/> reads them.</summary>
internal sealed class StoredProgress
{
    public const string RowsDeletedKey = "rows_deleted", FilesFoundKey = "files_found", FilesDeletedKey = "files_deleted", FileBytesDeletedKey = "file_bytes_deleted",
        VerificationKey = "verification", WarningsKey = "warnings", TimingsKey = "timings_ms", LongestKey = "longest_transaction_ms";

    [JsonPropertyName(RowsDeletedKey)]
    public Dictionary<string, long>? RowsDeleted { get; set; }

    [JsonPropertyName(FilesDeletedKey)]
    public long FilesDeleted { get; set; }

    [JsonPropertyName(FileBytesDeletedKey)]
    public long FileBytesDeleted { get; set; }

    [JsonPropertyName(VerificationKey)]
    public StoredVerification? Verification { get; set; }

    [JsonPropertyName(WarningsKey)]
    public List<string>? Warnings { get; set; }

    [JsonPropertyName(TimingsKey)]
    public Dictionary<string, long>? TimingsMs { get; set; }

    [JsonPropertyName(LongestKey)]
    public long LongestTransactionMs { get; set; }

    internal sealed class StoredVerification
    {
        [JsonPropertyName("ok")]
        public bool Ok { get; set; }

        [JsonPropertyName("remaining")]
        public Dictionary<string, long>? Remaining { get; set; }
    }
}

/// <summary>
/// Writes a run's progress. Each write is one statement on the run's row that adds to what is there, so it can go in
/// the same transaction as the deletes it counts, and two copies of a job that reach the same rows add up exactly.
/// </summary>
public sealed class PurgeProgress(ClipSaverDbContext db, long runId)
{
    /// <summary>The <see cref="PurgeReport.RowsDeleted"/> entry of the clips, which is also <see cref="PurgeReport.ClipsDeleted"/>.</summary>
    public const string ClipsTable = "clips";

    private static readonly string[] ClipsPath = [StoredProgress.RowsDeletedKey, ClipsTable], LongestPath = [StoredProgress.LongestKey],
        FilesFoundPath = [StoredProgress.FilesFoundKey], FoundFilesPath = [StoredProgress.FilesFoundKey, "files"], FoundBytesPath = [StoredProgress.FilesFoundKey, "bytes"],
        VerificationPath = [StoredProgress.VerificationKey], WarningsPath = [StoredProgress.WarningsKey];

    public long RunId => runId;

    public Task AddRowsAsync(string table, long count, CancellationToken cancellationToken) =>
        count == 0 ? Task.CompletedTask : AddAsync([StoredProgress.RowsDeletedKey, table], count, cancellationToken);

    public Task AddTimingAsync(string step, TimeSpan elapsed, CancellationToken cancellationToken) =>
        AddAsync([StoredProgress.TimingsKey, step], (long)elapsed.TotalMilliseconds, cancellationToken);

    /// <summary>A batch of clip deletes, with the longest batch transaction so far and the run's heartbeat, in one statement.</summary>
    public Task<int> AddClipBatchAsync(long clips, long longestTransactionMs, DateTimeOffset now, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlAsync(
            $$"""
            UPDATE purge_runs SET heartbeat_at = {{now}}, progress = coalesce(progress, '{}'::jsonb) || jsonb_build_object(
                {{StoredProgress.RowsDeletedKey}}::text, coalesce(progress -> {{StoredProgress.RowsDeletedKey}}::text, '{}'::jsonb)
                    || jsonb_build_object({{ClipsTable}}::text, coalesce((progress #>> {{ClipsPath}}::text[])::bigint, 0) + {{clips}}),
                {{StoredProgress.LongestKey}}::text, greatest(coalesce((progress ->> {{StoredProgress.LongestKey}}::text)::bigint, 0), {{longestTransactionMs}}))
            WHERE id = {{runId}}
            """, cancellationToken);

    /// <summary>
    /// A batch of a member's clips deleted (<see cref="PurgeScope.Author"/>): clips, and the files and bytes that go with
    /// them right after the commit, with the heartbeat, in one statement inside the batch's transaction.
    /// </summary>
    public Task<int> AddAuthorBatchAsync(long clips, long files, long bytes, DateTimeOffset now, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlAsync(
            $$"""
            UPDATE purge_runs SET heartbeat_at = {{now}}, progress = coalesce(progress, '{}'::jsonb) || jsonb_build_object(
                {{StoredProgress.RowsDeletedKey}}::text, coalesce(progress -> {{StoredProgress.RowsDeletedKey}}::text, '{}'::jsonb)
                    || jsonb_build_object({{ClipsTable}}::text, coalesce((progress #>> {{ClipsPath}}::text[])::bigint, 0) + {{clips}}),
                {{StoredProgress.FilesDeletedKey}}::text, coalesce((progress ->> {{StoredProgress.FilesDeletedKey}}::text)::bigint, 0) + {{files}},
                {{StoredProgress.FileBytesDeletedKey}}::text, coalesce((progress ->> {{StoredProgress.FileBytesDeletedKey}}::text)::bigint, 0) + {{bytes}})
            WHERE id = {{runId}}
            """, cancellationToken);

    public Task<int> RecordLongestTransactionAsync(long ms, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlAsync(
            $$"""
            UPDATE purge_runs SET progress = jsonb_set(coalesce(progress, '{}'::jsonb), {{LongestPath}}::text[],
                to_jsonb(greatest(coalesce((progress ->> {{StoredProgress.LongestKey}}::text)::bigint, 0), {{ms}})))
            WHERE id = {{runId}}
            """, cancellationToken);

    /// <summary>Whether the files of the scope were counted already (by this run before a crash, or by another copy).</summary>
    public async Task<bool> FilesFoundAsync(CancellationToken cancellationToken) =>
        await db.Database.SqlQuery<bool>($$"""SELECT coalesce(progress, '{}'::jsonb) ? {{StoredProgress.FilesFoundKey}} AS "Value" FROM purge_runs WHERE id = {{runId}}""").SingleAsync(cancellationToken);

    /// <summary>The files in the scope before the first one is deleted; recorded once, whatever crashes after.</summary>
    public Task<int> RecordFilesFoundAsync(long files, long bytes, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlAsync(
            $$"""
            UPDATE purge_runs SET progress = jsonb_set(coalesce(progress, '{}'::jsonb), {{FilesFoundPath}}::text[], jsonb_build_object({{FoundFilesPath[1]}}::text, {{files}}, {{FoundBytesPath[1]}}::text, {{bytes}}))
            WHERE id = {{runId}} AND NOT coalesce(progress, '{}'::jsonb) ? {{StoredProgress.FilesFoundKey}}
            """, cancellationToken);

    /// <summary>Every file found is gone: the report's file counts are what was found.</summary>
    public Task<int> FilesDeletedAsync(CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlAsync(
            $$"""
            UPDATE purge_runs SET progress = progress || jsonb_build_object(
                {{StoredProgress.FilesDeletedKey}}::text, progress #> {{FoundFilesPath}}::text[],
                {{StoredProgress.FileBytesDeletedKey}}::text, progress #> {{FoundBytesPath}}::text[])
            WHERE id = {{runId}}
            """, cancellationToken);

    public Task<int> RecordVerificationAsync(PurgeVerification verification, CancellationToken cancellationToken)
    {
        var json = JsonSerializer.Serialize(new StoredProgress.StoredVerification { Ok = verification.Ok, Remaining = new(verification.Remaining) });
        return db.Database.ExecuteSqlAsync(
            $$"""UPDATE purge_runs SET progress = jsonb_set(coalesce(progress, '{}'::jsonb), {{VerificationPath}}::text[], {{json}}::jsonb) WHERE id = {{runId}}""",
            cancellationToken);
    }

    public Task<int> AddWarningAsync(string warning, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlAsync(
            $$"""
            UPDATE purge_runs SET progress = jsonb_set(coalesce(progress, '{}'::jsonb), {{WarningsPath}}::text[],
                coalesce(progress -> {{StoredProgress.WarningsKey}}::text, '[]'::jsonb) || to_jsonb({{warning}}::text))
            WHERE id = {{runId}}
            """, cancellationToken);

    /// <summary>Adds <paramref name="amount"/> to a number one level down in the progress JSON, atomically in SQL.</summary>
    private Task<int> AddAsync(string[] path, long amount, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlAsync(
            $$"""
            UPDATE purge_runs SET progress = jsonb_set(
                coalesce(progress, '{}'::jsonb) || jsonb_build_object({{path[0]}}::text, coalesce(progress -> {{path[0]}}::text, '{}'::jsonb)),
                {{path}}::text[],
                to_jsonb(coalesce((progress #>> {{path}}::text[])::bigint, 0) + {{amount}}))
            WHERE id = {{runId}}
            """, cancellationToken);
}

/// <summary>
/// Follows a purge as it goes: each step done, each batch of clip deletes committed. The app logs them
/// (<see cref="PurgeLog"/>); the crash tests stop a run at a chosen point through it.
/// </summary>
public interface IPurgeObserver
{
    Task StepDoneAsync(long runId, string stepName, TimeSpan elapsed, CancellationToken cancellationToken);

    Task ClipBatchCommittedAsync(long runId, CancellationToken cancellationToken);
}

public sealed partial class PurgeLog(ILogger<PurgeLog> logger) : IPurgeObserver
{
    public Task StepDoneAsync(long runId, string stepName, TimeSpan elapsed, CancellationToken cancellationToken)
    {
        LogStep(logger, runId, stepName, elapsed.TotalMilliseconds);
        return Task.CompletedTask;
    }

    public Task ClipBatchCommittedAsync(long runId, CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Purge run {RunId}: step {Step} done in {ElapsedMs:0} ms")]
    private static partial void LogStep(ILogger logger, long runId, string step, double elapsedMs);
}

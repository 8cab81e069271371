using System.IO.Pipelines;

namespace ClipSaver.Core.Storage;

/// <summary>
/// Where archived files live. Keys are laid out by guild and channel (<see cref="ClipStorageKeys"/>) so that a purge
/// can remove a whole scope by prefix. The local folder is the default; an S3-compatible bucket is the other kind
/// (<c>ClipSaver:Storage:Kind</c>, decision 019).
/// </summary>
public interface IClipStorage
{
    /// <summary>
    /// Streams <paramref name="content"/> into <paramref name="key"/>, computing its SHA-256 and CRC-32 on the way. The
    /// write is atomic: the key holds either the whole new file or what it held before, never a part. Throws
    /// <see cref="ClipTooLargeException"/> (and stores nothing) when more than <paramref name="maxBytes"/> arrive.
    /// </summary>
    Task<StoredFile> PutAsync(string key, Stream content, long maxBytes, CancellationToken cancellationToken);

    /// <summary>
    /// <see cref="PutAsync"/> for a file written into a pipe whose checksum nobody keeps, without computing one; reads
    /// <paramref name="content"/> to its end and returns the size (the caller completes the reader). An export's part is
    /// one: its clips' SHA-256s are in its manifest and the ZIP checks each entry with a CRC-32, and hashing a whole part
    /// again cost more than copying it (decision 024); a storage may write the pipe's memory as it is (decision 030).
    /// </summary>
    Task<long> PutWithoutChecksumAsync(string key, PipeReader content, long maxBytes, CancellationToken cancellationToken);

    /// <summary>A seekable stream over the file (for range requests), or null when there is none.</summary>
    Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken);

    /// <summary>
    /// The whole file from its start, forward only, or null when there is none: for a reader that copies files one
    /// after another (an export). An object store answers it with one request, where a seekable stream costs two.
    /// </summary>
    Task<Stream?> OpenSequentialReadAsync(string key, CancellationToken cancellationToken);

    Task<StoredObject?> GetInfoAsync(string key, CancellationToken cancellationToken);

    /// <summary>Deletes the file; deleting a missing file is not an error (a retried purge deletes twice).</summary>
    Task<bool> DeleteAsync(string key, CancellationToken cancellationToken);

    /// <summary>Every stored file whose key starts with <paramref name="prefix"/> ("" for all).</summary>
    IAsyncEnumerable<StoredObject> ListAsync(string prefix, CancellationToken cancellationToken);

    /// <summary>Deletes every file under the prefix and returns how many files and bytes went.</summary>
    Task<(long Files, long Bytes)> DeleteByPrefixAsync(string prefix, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes temporary files that no writer holds any more (a process died while it wrote them) and that were last
    /// written before <paramref name="olderThan"/> ago. Returns how many it deleted.
    /// </summary>
    Task<int> DeleteAbandonedTemporaryFilesAsync(TimeSpan olderThan, CancellationToken cancellationToken);

    /// <summary>Checks that the storage accepts writes (health check), and says in words what is wrong.</summary>
    Task<StorageHealth> CheckHealthAsync(CancellationToken cancellationToken);
}

/// <summary>What the health check found: whether the storage works, and a sentence for the operator.</summary>
public sealed record StorageHealth(bool Healthy, string Description);

/// <summary>
/// A file just stored: its key, size, lower-case hex SHA-256, and ZIP CRC-32, both computed on the way in, so that
/// neither costs another read of the file.
/// </summary>
public sealed record StoredFile(string Key, long SizeBytes, string Sha256, uint Crc32);

/// <summary>A stored file: its key, size, and when it was last written (an object store's Last-Modified).</summary>
public sealed record StoredObject(string Key, long SizeBytes, DateTimeOffset LastModified);

public sealed class ClipTooLargeException(long maxBytes)
    : Exception($"The file is larger than the limit of {maxBytes} bytes.")
{
    public long MaxBytes { get; } = maxBytes;
}

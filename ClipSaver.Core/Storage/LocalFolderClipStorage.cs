using System.Runtime.CompilerServices;

namespace ClipSaver.Core.Storage;

/// <summary>
/// Clip storage in a local folder. Writes go to <c>.tmp/</c> inside the root and are renamed into place, so a crash
/// never leaves a half file under a real key (rename is atomic within one file system).
/// </summary>
public sealed partial class LocalFolderClipStorage : IClipStorage
{
    private const string TempFolder = ".tmp";
    private readonly string _root;

    public LocalFolderClipStorage(IOptions<StorageOptions> options)
    {
        // No disk access here: a storage that cannot be written must not break every request that resolves it;
        // the health check reports it instead.
        _root = Path.GetFullPath(options.Value.EffectiveRoot);
    }

    public string Root => _root;

    /// <summary>
    /// A writer holds its temporary file open with <see cref="FileShare.None"/> (an exclusive lock), so a file that
    /// opens exclusively here has no writer: its process died. The age keeps clear of the moment between a writer's
    /// close and its rename.
    /// </summary>
    public Task<int> DeleteAbandonedTemporaryFilesAsync(TimeSpan olderThan, CancellationToken cancellationToken)
    {
        var folder = new DirectoryInfo(Path.Combine(_root, TempFolder));
        if (!folder.Exists)
        {
            return Task.FromResult(0);
        }

        var cutoff = DateTime.UtcNow - olderThan;
        var deleted = 0;
        foreach (var file in folder.EnumerateFiles())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (file.LastWriteTimeUtc > cutoff)
            {
                continue;
            }

            try
            {
                using (new FileStream(file.FullName, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
                {
                }

                file.Delete();
                deleted++;
            }
            catch (IOException)
            {
                // A writer still holds it, or it was renamed into place meanwhile.
            }
        }

        return Task.FromResult(deleted);
    }

    public Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken)
    {
        var path = PathFor(key);
        Stream? stream = File.Exists(path)
            ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 64 * 1024, FileOptions.Asynchronous | FileOptions.SequentialScan)
            : null;
        return Task.FromResult(stream);
    }

    /// <summary>
    /// Unbuffered: the reader asks for whole files or large pieces, and a buffered stream would allocate its buffer
    /// for the last short read of every file (an export reads thousands).
    /// </summary>
    public Task<Stream?> OpenSequentialReadAsync(string key, CancellationToken cancellationToken)
    {
        var path = PathFor(key);
        Stream? stream = File.Exists(path)
            ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, bufferSize: 0, FileOptions.Asynchronous | FileOptions.SequentialScan)
            : null;
        return Task.FromResult(stream);
    }

    public Task<StoredObject?> GetInfoAsync(string key, CancellationToken cancellationToken)
    {
        var info = new FileInfo(PathFor(key));
        return Task.FromResult(info.Exists ? new StoredObject(key, info.Length, info.LastWriteTimeUtc) : null);
    }

    public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken)
    {
        var path = PathFor(key);
        if (!File.Exists(path))
        {
            return Task.FromResult(false);
        }

        File.Delete(path);
        return Task.FromResult(true);
    }

    public async IAsyncEnumerable<StoredObject> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var folder = FolderFor(prefix);
        if (!Directory.Exists(folder))
        {
            yield break;
        }

        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.None };
        foreach (var file in new DirectoryInfo(folder).EnumerateFiles("*", options))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var key = Path.GetRelativePath(_root, file.FullName).Replace('\\', '/');
            if (key.StartsWith(TempFolder + "/", StringComparison.Ordinal))
            {
                continue;
            }

            long length;
            DateTime written;
            try
            {
                length = file.Length;
                written = file.LastWriteTimeUtc;
            }
            catch (FileNotFoundException)
            {
                continue; // deleted while listing (a second purge copy, for example)
            }

            yield return new StoredObject(key, length, new DateTimeOffset(written, TimeSpan.Zero));
        }

        await Task.CompletedTask;
    }

    public async Task<(long Files, long Bytes)> DeleteByPrefixAsync(string prefix, CancellationToken cancellationToken)
    {
        long files = 0, bytes = 0;
        await foreach (var item in ListAsync(prefix, cancellationToken))
        {
            if (await DeleteAsync(item.Key, cancellationToken))
            {
                files++;
                bytes += item.SizeBytes;
            }
        }

        var folder = FolderFor(prefix);
        if (prefix.Length > 0 && Directory.Exists(folder))
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // A file arriving at the same moment keeps the folder (the purge's verification step will see it),
                // or another deleter removed the folder first (DirectoryNotFoundException is an IOException).
            }
        }

        return (files, bytes);
    }

    public async Task<StorageHealth> CheckHealthAsync(CancellationToken cancellationToken)
    {
        try
        {
            var probe = Path.Combine(_root, TempFolder, "health-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Path.GetDirectoryName(probe)!);
            await File.WriteAllBytesAsync(probe, [1], cancellationToken);
            File.Delete(probe);
            return new StorageHealth(true, "Clip storage accepts writes.");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new StorageHealth(false, "Clip storage does not accept writes.");
        }
    }

    private string PathFor(string key)
    {
        if (!ClipStorageKeys.IsValid(key))
        {
            throw new ArgumentException($"'{key}' is not a valid storage key.", nameof(key));
        }

        return Path.Combine(_root, key);
    }

    private string FolderFor(string prefix)
    {
        if (!ClipStorageKeys.IsValidPrefix(prefix))
        {
            throw new ArgumentException($"'{prefix}' is not a valid storage prefix.", nameof(prefix));
        }

        return prefix.Length == 0 ? _root : Path.Combine(_root, prefix.TrimEnd('/'));
    }
}

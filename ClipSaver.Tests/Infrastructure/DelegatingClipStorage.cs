namespace ClipSaver.Tests.Infrastructure;

/// <summary>Clip storage that passes everything to <paramref name="inner"/>; a test overrides the call it wants to fail.</summary>
public class DelegatingClipStorage(IClipStorage inner) : IClipStorage
{
    public virtual Task<StoredFile> PutAsync(string key, Stream content, long maxBytes, CancellationToken cancellationToken) => inner.PutAsync(key, content, maxBytes, cancellationToken);

    public virtual Task<long> PutWithoutChecksumAsync(string key, System.IO.Pipelines.PipeReader content, long maxBytes, CancellationToken cancellationToken) => inner.PutWithoutChecksumAsync(key, content, maxBytes, cancellationToken);

    public virtual Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken) => inner.OpenReadAsync(key, cancellationToken);

    public virtual Task<Stream?> OpenSequentialReadAsync(string key, CancellationToken cancellationToken) => inner.OpenSequentialReadAsync(key, cancellationToken);

    public virtual Task<StoredObject?> GetInfoAsync(string key, CancellationToken cancellationToken) => inner.GetInfoAsync(key, cancellationToken);

    public virtual Task<bool> DeleteAsync(string key, CancellationToken cancellationToken) => inner.DeleteAsync(key, cancellationToken);

    public virtual IAsyncEnumerable<StoredObject> ListAsync(string prefix, CancellationToken cancellationToken) => inner.ListAsync(prefix, cancellationToken);

    public virtual Task<(long Files, long Bytes)> DeleteByPrefixAsync(string prefix, CancellationToken cancellationToken) => inner.DeleteByPrefixAsync(prefix, cancellationToken);

    public virtual Task<int> DeleteAbandonedTemporaryFilesAsync(TimeSpan olderThan, CancellationToken cancellationToken) => inner.DeleteAbandonedTemporaryFilesAsync(olderThan, cancellationToken);

    public virtual Task<StorageHealth> CheckHealthAsync(CancellationToken cancellationToken) => inner.CheckHealthAsync(cancellationToken);
}

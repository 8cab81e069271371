using System.IO.Hashing;

namespace ClipSaver.Core.Storage;

/// <summary>
/// The checksums a stored file keeps, fed with each block as it goes to the storage, so that computing them costs no
/// read of the file of its own: the SHA-256 that identifies it, and the ZIP CRC-32 that lets an export copy it into a
/// ZIP without reading it first.
/// </summary>
internal sealed class FileChecksums : IDisposable
{
    private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly Crc32 _crc32 = new();

    public void Append(ReadOnlySpan<byte> data)
    {
        _sha256.AppendData(data);
        _crc32.Append(data);
    }

    /// <summary>The file as stored under <paramref name="key"/>, with the checksums of everything appended.</summary>
    public StoredFile ToStoredFile(string key, long sizeBytes) =>
        new(key, sizeBytes, Convert.ToHexStringLower(_sha256.GetHashAndReset()), _crc32.GetCurrentHashAsUInt32());

    public void Dispose() => _sha256.Dispose();
}

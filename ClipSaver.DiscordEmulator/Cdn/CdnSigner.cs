namespace ClipSaver.DiscordEmulator.Cdn;

/// <summary>
/// Signs attachment URLs like Discord's CDN: <c>ex</c> (expiry) and <c>is</c> (issued) as hex Unix seconds and
/// <c>hm</c>, an HMAC over the path and both times. The key is random per emulator run.
/// </summary>
internal sealed class CdnSigner(EmulatorOptions options)
{
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);

    public string SignedUrl(string baseUrl, ulong channelId, ulong attachmentId, string filename)
    {
        var now = options.Clock.GetUtcNow();
        var issued = now.ToUnixTimeSeconds().ToString("x8", CultureInfo.InvariantCulture);
        var expires = (now + options.CdnUrlLifetime).ToUnixTimeSeconds().ToString("x8", CultureInfo.InvariantCulture);
        var path = Path(channelId, attachmentId, filename);
        return $"{baseUrl}cdn/{path}?ex={expires}&is={issued}&hm={Signature(path, expires, issued)}&";
    }

    /// <summary>True when the signature matches and the URL has not expired.</summary>
    public bool IsValid(ulong channelId, ulong attachmentId, string filename, string? expires, string? issued, string? signature)
    {
        if (expires is null || issued is null || signature is null
            || !long.TryParse(expires, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var expiresAt))
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Signature(Path(channelId, attachmentId, filename), expires, issued));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(signature))
            && options.Clock.GetUtcNow().ToUnixTimeSeconds() < expiresAt;
    }

    private static string Path(ulong channelId, ulong attachmentId, string filename) =>
        string.Create(CultureInfo.InvariantCulture, $"attachments/{channelId}/{attachmentId}/{Uri.EscapeDataString(filename)}");

    private string Signature(string path, string expires, string issued) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes($"{path}|{expires}|{issued}")));
}

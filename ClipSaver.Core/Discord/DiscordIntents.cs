using Microsoft.Extensions.Caching.Memory;

namespace ClipSaver.Core.Discord;

/// <summary>The privileged intents the application lacks, read from Discord at most every five minutes.</summary>
public sealed class DiscordIntents(DiscordRestClient discord, IMemoryCache cache)
{
    /// <summary>Sentences for owners and operators; empty when all is well or when Discord cannot be asked right now.</summary>
    public async Task<IReadOnlyList<string>> MissingAsync(CancellationToken cancellationToken)
    {
        if (cache.TryGetValue(nameof(DiscordIntents), out IReadOnlyList<string>? known) && known is not null)
        {
            return known;
        }

        IReadOnlyList<string> missing;
        try
        {
            missing = IntentCheck.Missing((await discord.GetCurrentApplicationAsync(cancellationToken)).Flags);
        }
        catch (Exception e) when (e is DiscordApiException or HttpRequestException or TimeoutException)
        {
            return [];
        }

        cache.Set(nameof(DiscordIntents), missing, TimeSpan.FromMinutes(5));
        return missing;
    }
}

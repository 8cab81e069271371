using System.Net.Http.Json;
using System.Runtime.CompilerServices;

namespace ClipSaver.Core.Discord;

/// <summary>
/// The bot's REST client (typed <see cref="HttpClient"/>; base address, token and User-Agent set in
/// <see cref="DiscordClientSetup"/>). Rate limits and the invalid-request count live in
/// <see cref="DiscordRateLimitHandler"/>, retries and timeouts in the resilience handlers around and inside it; this
/// class maps routes to records.
/// </summary>
public sealed class DiscordRestClient(HttpClient http)
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    public Task<DiscordApplication> GetCurrentApplicationAsync(CancellationToken cancellationToken) =>
        GetAsync<DiscordApplication>("applications/@me", cancellationToken);

    /// <summary>
    /// The bot's application, asked once: no retry, no waiting out a 429, one attempt of at most
    /// <paramref name="timeout"/>. For the readiness probe, which must answer within seconds when Discord is slow or down.
    /// </summary>
    public async Task<DiscordApplication> ProbeCurrentApplicationAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        const string route = "applications/@me";
        using var request = new HttpRequestMessage(HttpMethod.Get, route);
        request.Options.Set(DiscordRateLimitHandler.SingleAttempt, timeout);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await EnsureSuccessAsync(response, route, cancellationToken);
        return await response.Content.ReadFromJsonAsync<DiscordApplication>(Json, cancellationToken)
            ?? throw new DiscordApiException(response.StatusCode, null, "Discord sent an empty answer.", route);
    }

    /// <summary>The Gateway's URL, the recommended shard count and the session start limit.</summary>
    public Task<Gateway.DiscordGatewayBot> GetGatewayBotAsync(CancellationToken cancellationToken) =>
        GetAsync<Gateway.DiscordGatewayBot>("gateway/bot", cancellationToken);

    public Task<DiscordUser> GetUserAsync(Snowflake userId, CancellationToken cancellationToken) =>
        GetAsync<DiscordUser>($"users/{userId}", cancellationToken);

    /// <summary>Every guild the bot is in (pages of 200 with <c>after</c>).</summary>
    public async IAsyncEnumerable<DiscordPartialGuild> GetBotGuildsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var after = Snowflake.Zero;
        while (true)
        {
            var page = await GetAsync<List<DiscordPartialGuild>>($"users/@me/guilds?limit=200&after={after}", cancellationToken);
            foreach (var guild in page)
            {
                yield return guild;
            }

            if (page.Count < 200)
            {
                yield break;
            }

            after = page.Max(g => g.Id);
        }
    }

    public Task<DiscordGuild> GetGuildAsync(Snowflake guildId, CancellationToken cancellationToken) =>
        GetAsync<DiscordGuild>($"guilds/{guildId}", cancellationToken);

    public Task<DiscordGuild?> TryGetGuildAsync(Snowflake guildId, CancellationToken cancellationToken) =>
        TryGetAsync<DiscordGuild>($"guilds/{guildId}", cancellationToken);

    public async Task<IReadOnlyList<DiscordRole>> GetGuildRolesAsync(Snowflake guildId, CancellationToken cancellationToken) =>
        await GetAsync<List<DiscordRole>>($"guilds/{guildId}/roles", cancellationToken);

    public Task<DiscordMember> GetGuildMemberAsync(Snowflake guildId, Snowflake userId, CancellationToken cancellationToken) =>
        GetAsync<DiscordMember>($"guilds/{guildId}/members/{userId}", cancellationToken);

    public Task<DiscordMember?> TryGetGuildMemberAsync(Snowflake guildId, Snowflake userId, CancellationToken cancellationToken) =>
        TryGetAsync<DiscordMember>($"guilds/{guildId}/members/{userId}", cancellationToken);

    /// <summary>Every member (pages of 1000 with <c>after</c>); needs the members intent.</summary>
    public async IAsyncEnumerable<DiscordMember> GetGuildMembersAsync(Snowflake guildId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var after = Snowflake.Zero;
        while (true)
        {
            var page = await GetAsync<List<DiscordMember>>($"guilds/{guildId}/members?limit=1000&after={after}", cancellationToken);
            foreach (var member in page)
            {
                yield return member;
            }

            if (page.Count < 1000 || !page.Any(m => m.User is not null))
            {
                yield break;
            }

            after = page.Where(m => m.User is not null).Max(m => m.User!.Id);
        }
    }

    public async Task<IReadOnlyList<DiscordChannel>> GetGuildChannelsAsync(Snowflake guildId, CancellationToken cancellationToken) =>
        await GetAsync<List<DiscordChannel>>($"guilds/{guildId}/channels", cancellationToken);

    public Task<DiscordThreadList> GetActiveThreadsAsync(Snowflake guildId, CancellationToken cancellationToken) =>
        GetAsync<DiscordThreadList>($"guilds/{guildId}/threads/active", cancellationToken);

    /// <summary>Every public archived thread of a channel (pages with <c>before</c> = archive time).</summary>
    public async IAsyncEnumerable<DiscordChannel> GetPublicArchivedThreadsAsync(Snowflake channelId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? before = null;
        while (true)
        {
            var route = $"channels/{channelId}/threads/archived/public?limit=100" + (before is null ? "" : $"&before={Uri.EscapeDataString(before)}");
            var page = await GetAsync<DiscordThreadList>(route, cancellationToken);
            foreach (var thread in page.Threads)
            {
                yield return thread;
            }

            var oldest = page.Threads.Select(t => t.ThreadMetadata?.ArchiveTimestamp).Where(t => t is not null).Min();
            if (!page.HasMore || page.Threads.Count == 0 || oldest is null)
            {
                yield break;
            }

            before = oldest.Value.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture);
        }
    }

    /// <summary>One page of messages (newest first, as Discord sends them). At most one of before/after.</summary>
    public async Task<IReadOnlyList<DiscordMessage>> GetMessagesAsync(Snowflake channelId, Snowflake? before, Snowflake? after, int limit, CancellationToken cancellationToken)
    {
        if (before is not null && after is not null)
        {
            throw new ArgumentException("Discord takes at most one of before and after.", nameof(after));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, 100);
        var cursor = before is { } b ? $"&before={b}" : after is { } a ? $"&after={a}" : "";
        return await GetAsync<List<DiscordMessage>>($"channels/{channelId}/messages?limit={limit}{cursor}", cancellationToken);
    }

    /// <summary>Every message after <paramref name="after"/>, oldest first, page by page (for resumable scans).</summary>
    public async IAsyncEnumerable<IReadOnlyList<DiscordMessage>> GetMessagePagesAfterAsync(
        Snowflake channelId, Snowflake after, int pageSize, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (true)
        {
            var page = await GetMessagesAsync(channelId, null, after, pageSize, cancellationToken);
            if (page.Count == 0)
            {
                yield break;
            }

            var ordered = page.OrderBy(m => m.Id).ToList();
            yield return ordered;
            if (page.Count < pageSize)
            {
                yield break;
            }

            after = ordered[^1].Id;
        }
    }

    public Task<DiscordMessage?> TryGetMessageAsync(Snowflake channelId, Snowflake messageId, CancellationToken cancellationToken) =>
        TryGetAsync<DiscordMessage>($"channels/{channelId}/messages/{messageId}", cancellationToken);

    /// <summary>The bot leaves the guild. Returns false when it was not there (404), which counts as done.</summary>
    public async Task<bool> LeaveGuildAsync(Snowflake guildId, CancellationToken cancellationToken)
    {
        var route = $"users/@me/guilds/{guildId}";
        using var response = await http.SendAsync(new HttpRequestMessage(HttpMethod.Delete, route), cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }

        await EnsureSuccessAsync(response, route, cancellationToken);
        return true;
    }

    private async Task<T> GetAsync<T>(string route, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(route, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await EnsureSuccessAsync(response, route, cancellationToken);
        return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken)
            ?? throw new DiscordApiException(response.StatusCode, null, "Discord sent an empty answer.", route);
    }

    private async Task<T?> TryGetAsync<T>(string route, CancellationToken cancellationToken)
        where T : class
    {
        using var response = await http.GetAsync(route, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        await EnsureSuccessAsync(response, route, cancellationToken);
        return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken);
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string route, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        int? code = null;
        var message = response.ReasonPhrase ?? "error";
        try
        {
            var error = await response.Content.ReadFromJsonAsync<DiscordError>(Json, cancellationToken);
            (code, message) = (error?.Code, error?.Message ?? message);
        }
        catch (JsonException)
        {
            // Not Discord's JSON error (a proxy page, an empty body): the status says enough.
        }

        var path = route.Split('?')[0];
        throw new DiscordApiException(response.StatusCode, code, message, path);
    }

    private sealed record DiscordError(int? Code, string? Message);
}

/// <summary>Downloads from Discord's CDN (signed attachment URLs; no bot token is sent).</summary>
public sealed class DiscordCdnClient(HttpClient http)
{
    /// <summary>Opens an attachment for streaming. Throws <see cref="DiscordCdnUrlExpiredException"/> when the URL expired or was refused.</summary>
    public async Task<HttpResponseMessage> OpenAsync(Uri url, CancellationToken cancellationToken)
    {
        var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Forbidden or HttpStatusCode.Gone)
        {
            response.Dispose();
            throw new DiscordCdnUrlExpiredException(url);
        }

        if (!response.IsSuccessStatusCode)
        {
            var status = response.StatusCode;
            response.Dispose();
            throw new HttpRequestException($"The CDN answered {(int)status}.", null, status);
        }

        return response;
    }

    /// <summary>When a signed CDN URL stops working (<c>ex</c>, hex seconds); null for an unsigned URL.</summary>
    public static DateTimeOffset? ExpiresAt(Uri url)
    {
        var ex = System.Web.HttpUtility.ParseQueryString(url.Query)["ex"];
        return ex is not null && long.TryParse(ex, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;
    }
}

public sealed class DiscordCdnUrlExpiredException(Uri url) : Exception("The CDN refused the attachment URL (expired or not signed); fetch the message again for a fresh one.")
{
    public Uri Url { get; } = url;
}

namespace ClipSaver.Core.Discord;

#pragma warning disable CA1822 // CONTRACT STUB: the implementation replaces this file.

/// <summary>
/// The bot's REST client (typed <see cref="HttpClient"/>). Rate limits, retries and the invalid-request count live
/// in <c>DiscordRateLimitHandler</c>; this class maps routes to records.
/// </summary>
public sealed class DiscordRestClient(HttpClient http)
{
    public HttpClient Http { get; } = http;

    public Task<DiscordApplication> GetCurrentApplicationAsync(CancellationToken cancellationToken) => throw new NotImplementedException();

    /// <summary>Every guild the bot is in (pages of 200 with <c>after</c>).</summary>
    public IAsyncEnumerable<DiscordPartialGuild> GetBotGuildsAsync(CancellationToken cancellationToken) => throw new NotImplementedException();

    public Task<DiscordGuild> GetGuildAsync(Snowflake guildId, CancellationToken cancellationToken) => throw new NotImplementedException();

    public Task<DiscordGuild?> TryGetGuildAsync(Snowflake guildId, CancellationToken cancellationToken) => throw new NotImplementedException();

    public Task<IReadOnlyList<DiscordRole>> GetGuildRolesAsync(Snowflake guildId, CancellationToken cancellationToken) => throw new NotImplementedException();

    public Task<DiscordMember> GetGuildMemberAsync(Snowflake guildId, Snowflake userId, CancellationToken cancellationToken) => throw new NotImplementedException();

    public Task<DiscordMember?> TryGetGuildMemberAsync(Snowflake guildId, Snowflake userId, CancellationToken cancellationToken) => throw new NotImplementedException();

    /// <summary>Every member (pages of 1000 with <c>after</c>); needs the members intent.</summary>
    public IAsyncEnumerable<DiscordMember> GetGuildMembersAsync(Snowflake guildId, CancellationToken cancellationToken) => throw new NotImplementedException();

    public Task<IReadOnlyList<DiscordChannel>> GetGuildChannelsAsync(Snowflake guildId, CancellationToken cancellationToken) => throw new NotImplementedException();

    public Task<DiscordThreadList> GetActiveThreadsAsync(Snowflake guildId, CancellationToken cancellationToken) => throw new NotImplementedException();

    /// <summary>Every public archived thread of a channel (pages with <c>before</c> = archive time).</summary>
    public IAsyncEnumerable<DiscordChannel> GetPublicArchivedThreadsAsync(Snowflake channelId, CancellationToken cancellationToken) => throw new NotImplementedException();

    /// <summary>One page of messages (newest first, as Discord sends them). At most one of before/after.</summary>
    public Task<IReadOnlyList<DiscordMessage>> GetMessagesAsync(Snowflake channelId, Snowflake? before, Snowflake? after, int limit, CancellationToken cancellationToken) => throw new NotImplementedException();

    /// <summary>Every message after <paramref name="after"/>, oldest first, page by page (for resumable scans).</summary>
    public IAsyncEnumerable<IReadOnlyList<DiscordMessage>> GetMessagePagesAfterAsync(Snowflake channelId, Snowflake after, int pageSize, CancellationToken cancellationToken) => throw new NotImplementedException();

    public Task<DiscordMessage?> TryGetMessageAsync(Snowflake channelId, Snowflake messageId, CancellationToken cancellationToken) => throw new NotImplementedException();

    /// <summary>The bot leaves the guild. Returns false when it was not there (404), which counts as done.</summary>
    public Task<bool> LeaveGuildAsync(Snowflake guildId, CancellationToken cancellationToken) => throw new NotImplementedException();
}

/// <summary>Downloads from Discord's CDN (signed attachment URLs; no bot token is sent).</summary>
public sealed class DiscordCdnClient(HttpClient http)
{
    public HttpClient Http { get; } = http;

    /// <summary>Opens an attachment for streaming. Throws <see cref="DiscordCdnUrlExpiredException"/> when the URL expired or was refused.</summary>
    public Task<HttpResponseMessage> OpenAsync(Uri url, CancellationToken cancellationToken) => throw new NotImplementedException();
}

public sealed class DiscordCdnUrlExpiredException(Uri url) : Exception("The CDN refused the attachment URL (expired or not signed); fetch the message again for a fresh one.")
{
    public Uri Url { get; } = url;
}
#pragma warning restore CA1822

namespace ClipSaver.Core.Gateway;

/// <summary>
/// What a Gateway close code means for the shard (docs: topics/opcodes-and-status-codes.mdx): stop for good with a
/// reason an operator can act on, start a new session, or resume.
/// </summary>
public static class GatewayCloseCodes
{
    /// <summary>The reason in words when the code must not be retried (reconnecting would only loop); else null.</summary>
    public static string? Fatal(int code) => code switch
    {
        4004 => "Discord refused the bot token (close code 4004). Check Discord:BotToken; the token may have been reset.",
        4010 => "Discord refused the shard (close code 4010, invalid shard). Check ClipSaver:Gateway:ShardCount.",
        4011 => "Discord requires more shards for this bot (close code 4011, sharding required). Raise ClipSaver:Gateway:ShardCount or leave it unset.",
        4012 => "Discord refused the Gateway version (close code 4012, invalid API version).",
        4013 => "Discord refused the intents ClipSaver asked for (close code 4013, invalid intents).",
        4014 => "A privileged intent is not switched on (close code 4014, disallowed intents): switch on the Server Members intent and the Message Content intent in Discord's developer portal (Bot → Privileged Gateway Intents), then restart ClipSaver.",
        _ => null,
    };

    /// <summary>4014 in words, naming the intents that are off (from the application's flags).</summary>
    public static string DisallowedIntents(Discord.DiscordApplicationFeatures flags)
    {
        var off = new List<string>();
        if ((flags & (Discord.DiscordApplicationFeatures.GatewayMessageContent | Discord.DiscordApplicationFeatures.GatewayMessageContentLimited)) == 0)
        {
            off.Add("the Message Content intent");
        }

        if (!Discord.IntentCheck.HasServerMembers(flags))
        {
            off.Add("the Server Members intent");
        }

        return off.Count == 0
            ? Fatal(4014)!
            : $"{string.Join(" and ", off)} {(off.Count == 1 ? "is" : "are")} not switched on in Discord's developer portal (Bot → Privileged Gateway Intents; close code 4014). Switch {(off.Count == 1 ? "it" : "them")} on, then restart ClipSaver.".ToUpperFirst();
    }

    private static string ToUpperFirst(this string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];

    /// <summary>Codes after which the session cannot be resumed: 4007 invalid sequence, 4009 session timed out.</summary>
    public static bool EndsSession(int code) => code is 4007 or 4009;

    public static string Describe(int code) => code switch
    {
        4000 => "unknown error (4000)",
        4001 => "unknown opcode (4001)",
        4002 => "decode error (4002)",
        4003 => "not authenticated (4003)",
        4005 => "already authenticated (4005)",
        4007 => "invalid sequence (4007)",
        4008 => "rate limited (4008)",
        4009 => "session timed out (4009)",
        _ => $"close code {code}",
    };
}

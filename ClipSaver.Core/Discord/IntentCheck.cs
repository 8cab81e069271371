namespace ClipSaver.Core.Discord;

/// <summary>The privileged intents ClipSaver needs, and what is lost without each (shown to owners and operators).</summary>
public static class IntentCheck
{
    public static IReadOnlyList<string> Missing(DiscordApplicationFeatures flags)
    {
        var missing = new List<string>();
        if ((flags & (DiscordApplicationFeatures.GatewayMessageContent | DiscordApplicationFeatures.GatewayMessageContentLimited)) == 0)
        {
            missing.Add("Message Content is off, so ClipSaver sees no attachments and archives nothing. Switch it on in the Discord developer portal under Bot → Privileged Gateway Intents.");
        }

        if (!HasServerMembers(flags))
        {
            missing.Add("Server Members is off, so the cleanup of members who left cannot run. Switch it on in the same place.");
        }

        return missing;
    }

    public static bool HasServerMembers(DiscordApplicationFeatures flags) =>
        (flags & (DiscordApplicationFeatures.GatewayGuildMembers | DiscordApplicationFeatures.GatewayGuildMembersLimited)) != 0;
}

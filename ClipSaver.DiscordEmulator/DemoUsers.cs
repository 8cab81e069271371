namespace ClipSaver.DiscordEmulator;

/// <summary>The three people of the demo world, with fixed ids so that the app and the tests can name them.</summary>
public static class DemoUsers
{
    /// <summary>Owns "Clip Club" (bot present) and "Speedrun Vault" (bot absent).</summary>
    public static EmulatedUser Owner { get; } = new(300000000000000001, "demo-owner", "Demo Owner", "0a1b2c3d4e5f60718293a4b5c6d7e8f9");

    /// <summary>Has a role with MANAGE_GUILD in "Clip Club"; owns nothing.</summary>
    public static EmulatedUser Manager { get; } = new(300000000000000002, "demo-manager", "Demo Manager", null);

    /// <summary>A member of "Clip Club" without rights.</summary>
    public static EmulatedUser Member { get; } = new(300000000000000003, "demo-member", "Demo Member", null);

    public static IReadOnlyList<EmulatedUser> All { get; } = [Owner, Manager, Member];
}

namespace ClipSaver.DiscordEmulator.World;

/// <summary>Discord ids: the upper 42 bits are milliseconds since 2015, so ids sort by time.</summary>
internal static class Snowflakes
{
    public const long DiscordEpochMs = 1_420_070_400_000;

    public static ulong At(DateTimeOffset time, ulong lowBits = 0) =>
        ((ulong)(time.ToUnixTimeMilliseconds() - DiscordEpochMs) << 22) | (lowBits & 0x3F_FFFF);

    public static DateTimeOffset Time(ulong id) => DateTimeOffset.FromUnixTimeMilliseconds((long)(id >> 22) + DiscordEpochMs);

    /// <summary>A stable 64-bit hash of a few numbers (SplitMix64 steps): the source of every "random" choice.</summary>
    public static ulong Mix(ulong a, ulong b = 0, ulong c = 0)
    {
        var x = Step(a ^ 0x9E37_79B9_7F4A_7C15);
        x = Step(x ^ b);
        return Step(x ^ c);
    }

    private static ulong Step(ulong z)
    {
        z += 0x9E37_79B9_7F4A_7C15;
        z = (z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9;
        z = (z ^ (z >> 27)) * 0x94D0_49BB_1331_11EB;
        return z ^ (z >> 31);
    }
}

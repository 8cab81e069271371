namespace ClipSaver.DiscordEmulator.World;

/// <summary>Discord permission bits the emulator reasons about.</summary>
internal static class Permissions
{
    public const ulong Administrator = 1UL << 3;
    public const ulong ManageGuild = 1UL << 5;
    public const ulong ViewChannel = 1UL << 10;
    public const ulong SendMessages = 1UL << 11;
    public const ulong ReadMessageHistory = 1UL << 16;

    /// <summary>What Discord reports for an owner or administrator: every bit it defines.</summary>
    public const ulong All = (1UL << 51) - 1;

    public const ulong DefaultEveryone = ViewChannel | SendMessages | ReadMessageHistory;
}

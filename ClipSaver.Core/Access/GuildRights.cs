namespace ClipSaver.Core.Access;

/// <summary>Who may do what in a guild (design brief §4), from Discord's permission bits.</summary>
public static class GuildRights
{
    public const long Administrator = 1L << 3;
    public const long ManageGuild = 1L << 5;

    /// <summary>Owner, or a member with MANAGE_GUILD or ADMINISTRATOR: may see and run the guild's dashboard.</summary>
    public static bool CanManage(bool isOwner, long permissions) => isOwner || (permissions & (Administrator | ManageGuild)) != 0;
}

namespace ClipSaver.Core.Storage;

/// <summary>
/// The running kernel's boot id (Linux: <c>/proc/sys/kernel/random/boot_id</c>), new at every start of the machine. A
/// file written without an fsync survives the death of the process that wrote it (the data is in the kernel's page
/// cache), but not a power cut or a kernel crash; a boot id recorded with such a file tells afterwards whether the
/// machine went down since (decision 031). Null where there is none: files are then put on the disk before they count.
/// </summary>
public static class BootId
{
    public static Guid? Current { get; } = Read();

    private static Guid? Read()
    {
        try
        {
            return OperatingSystem.IsLinux() && Guid.TryParse(File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim(), out var id) ? id : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}

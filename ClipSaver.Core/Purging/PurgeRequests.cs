using ClipSaver.Core.Data;

namespace ClipSaver.Core.Purging;

/// <summary>
/// Kept only for <see cref="PurgeJob"/>'s completion audit event until the job is rewritten; purges are requested
/// through <see cref="RequestPurge"/>. Remove this once nothing calls it.
/// </summary>
public static class PurgeRequests
{
    public static string Describe(PurgeScope scope, string? channelName) => PurgeScopes.Describe(scope, channelName);
}

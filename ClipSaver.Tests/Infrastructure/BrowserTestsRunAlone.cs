namespace ClipSaver.Tests.Infrastructure;

/// <summary>
/// Browser tests, and other tests that run a Hangfire server, run one at a time: each drives a real Chromium or a job
/// server (Hangfire keeps some state in statics), and two cores are few.
/// </summary>
[CollectionDefinition(Name)]
public sealed class BrowserTestsRunAlone
{
    public const string Name = "Browser";
}

namespace ClipSaver.Tests.Infrastructure;

/// <summary>Browser tests run one at a time: each drives a real Chromium and a job server, and two cores are few.</summary>
[CollectionDefinition(Name)]
public sealed class BrowserTestsRunAlone
{
    public const string Name = "Browser";
}

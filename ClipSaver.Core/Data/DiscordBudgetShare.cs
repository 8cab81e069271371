namespace ClipSaver.Core.Data;

/// <summary>
/// One instance's part of the bot token's global limit (decision 032): what it may send at most (<see cref="Cap"/>,
/// never below what it sends) and what it would like (<see cref="Want"/>). Written by the instance under a
/// transaction lock every second; an instance whose budget lock is gone is marked <see cref="GoneAt"/> and its row
/// dropped a little later, once requests it sent can no longer count in Discord's window.
/// </summary>
public sealed class DiscordBudgetShare
{
    /// <summary>The second half of the instance's advisory lock key (<c>SharedDiscordBudget.ClassId</c>, key).</summary>
    public int InstanceKey { get; set; }

    public int Cap { get; set; }

    public int Want { get; set; }

    public DateTimeOffset? GoneAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

namespace ClipSaver.Core.Discord;

/// <summary>The bot token's global limit, as this instance's share of it, and the global pause after a global 429.</summary>
public sealed partial class DiscordRateLimitState
{
    /// <summary>How long a request waits before asking again while this instance has no share (not yet counted).</summary>
    internal static readonly TimeSpan NoShareWait = TimeSpan.FromMilliseconds(250);

    private readonly Lock _globalLock = new();
    private readonly Queue<DateTimeOffset> _recent = new();
    private DateTimeOffset _globalPauseUntil;
    private int _inFlight;
    private bool _tracked;

    /// <summary>Instances that share the bot token's limits (1 when this one is alone or not yet counted).</summary>
    internal int SharingInstances => Math.Max(1, budget?.Instances ?? 1);

    internal void PauseAll(TimeSpan wait)
    {
        lock (_globalLock)
        {
            var until = clock.GetUtcNow() + wait;
            if (until > _globalPauseUntil)
            {
                _globalPauseUntil = until;
            }
        }
    }

    /// <summary>
    /// How long to wait before one more request fits under the global limit and any global pause; reserves a slot
    /// when zero. A slot is held while the request is under way and for one second after its answer: Discord counts
    /// a request when it arrives, which is never after the answer, so no second of Discord's can see more requests
    /// than the limit, however long they travel.
    /// </summary>
    internal TimeSpan ReserveGlobal(int perSecond)
    {
        // Several instances on one bot token each keep to their share, so that together they stay inside the limit.
        if (budget is not null && !_tracked)
        {
            _tracked = true;
            budget.Track(HeldGlobal);
        }

        var share = budget?.ShareOf(perSecond) ?? perSecond;
        if (share <= 0)
        {
            budget?.Note(1, refused: true);
            return NoShareWait;
        }

        lock (_globalLock)
        {
            var now = clock.GetUtcNow();
            if (_globalPauseUntil > now)
            {
                return _globalPauseUntil - now;
            }

            var held = Prune(now);
            budget?.Note(held + 1, refused: held >= share);
            if (held >= share)
            {
                return _recent.Count > 0 ? _recent.Peek() + TimeSpan.FromSeconds(1) - now : TimeSpan.FromMilliseconds(10);
            }

            _inFlight++;
            return TimeSpan.Zero;
        }
    }

    /// <summary>Slots held now: requests under way, and those answered less than a second ago.</summary>
    private int HeldGlobal()
    {
        lock (_globalLock)
        {
            return Prune(clock.GetUtcNow());
        }
    }

    private int Prune(DateTimeOffset now)
    {
        while (_recent.Count > 0 && _recent.Peek() <= now - TimeSpan.FromSeconds(1))
        {
            _recent.Dequeue();
        }

        return _inFlight + _recent.Count;
    }

    /// <summary>The answer to a reserved request arrived (or it failed): its slot frees up one second from now.</summary>
    internal void ReleaseGlobal()
    {
        lock (_globalLock)
        {
            _inFlight--;
            _recent.Enqueue(clock.GetUtcNow());
        }
    }
}

namespace ClipSaver.DiscordEmulator.World;

/// <summary>
/// The messages of one channel. Generated messages are never stored: message i has id <c>first + i·step</c>, so a
/// page boundary is computed, not searched. Only posted messages and deletions are kept (the overlays).
/// Not thread-safe: <see cref="EmulatorWorld"/> holds its lock around every call.
/// </summary>
internal sealed class MessageTimeline(ulong first, ulong step, long count, Func<long, ulong, EmulatedMessage> generate)
{
    /// <summary>Room for attachment ids after a message id (attachment k of message m has id m + 1 + k).</summary>
    public const int MaxAttachments = 4;

    private readonly SortedList<ulong, EmulatedMessage> _posted = [];
    private readonly HashSet<ulong> _deleted = [];

    public long Count => count - _deleted.Count + _posted.Count;

    public ulong LastId => _posted.Count > 0 ? _posted.Keys[^1] : count > 0 ? IdOf(count - 1) : first;

    public EmulatedMessage? Get(ulong id)
    {
        if (_posted.TryGetValue(id, out var posted))
        {
            return posted;
        }

        var index = IndexOf(id);
        return index >= 0 && !_deleted.Contains(id) ? generate(index, id) : null;
    }

    public EmulatedMessage Post(DateTimeOffset now, ulong floor, Func<ulong, EmulatedMessage> create)
    {
        // Posted ids follow the clock but never fall behind the channel's newest id (a fake clock may be in the past),
        // nor behind the world's last posted id: like Discord's, ids (and the attachment ids after them) are unique
        // across channels, also for two messages posted in the same millisecond.
        var id = Math.Max(Math.Max(Snowflakes.At(now), LastId + MaxAttachments + 1), floor);
        var message = create(id);
        _posted.Add(id, message);
        return message;
    }

    /// <summary>Replaces a posted message (an edit); generated history cannot be edited.</summary>
    public bool Replace(EmulatedMessage message)
    {
        if (!_posted.ContainsKey(message.Id))
        {
            return false;
        }

        _posted[message.Id] = message;
        return true;
    }

    public bool Delete(ulong id) => _posted.Remove(id) || (IndexOf(id) >= 0 && _deleted.Add(id));

    /// <summary>Message ids below <paramref name="exclusiveUpper"/>, newest first.</summary>
    public IEnumerable<ulong> Descending(ulong exclusiveUpper)
    {
        var generated = CountBelow(exclusiveUpper) - 1;
        var posted = LowerBound(exclusiveUpper) - 1;
        while (generated >= 0 || posted >= 0)
        {
            var nextGenerated = generated >= 0 ? IdOf(generated) : 0;
            var nextPosted = posted >= 0 ? _posted.Keys[posted] : 0;
            if (posted >= 0 && nextPosted > nextGenerated)
            {
                posted--;
                yield return nextPosted;
            }
            else
            {
                generated--;
                if (!_deleted.Contains(nextGenerated))
                {
                    yield return nextGenerated;
                }
            }
        }
    }

    /// <summary>Message ids above <paramref name="exclusiveLower"/>, oldest first.</summary>
    public IEnumerable<ulong> Ascending(ulong exclusiveLower)
    {
        var generated = exclusiveLower == ulong.MaxValue ? count : CountBelow(exclusiveLower + 1);
        var posted = exclusiveLower == ulong.MaxValue ? _posted.Count : LowerBound(exclusiveLower + 1);
        while (generated < count || posted < _posted.Count)
        {
            var nextGenerated = generated < count ? IdOf(generated) : ulong.MaxValue;
            var nextPosted = posted < _posted.Count ? _posted.Keys[posted] : ulong.MaxValue;
            if (nextPosted < nextGenerated)
            {
                posted++;
                yield return nextPosted;
            }
            else
            {
                generated++;
                if (!_deleted.Contains(nextGenerated))
                {
                    yield return nextGenerated;
                }
            }
        }
    }

    private ulong IdOf(long index) => first + ((ulong)index * step);

    private long IndexOf(ulong id)
    {
        if (id < first || (id - first) % step != 0)
        {
            return -1;
        }

        var index = (id - first) / step;
        return index < (ulong)count ? (long)index : -1;
    }

    /// <summary>How many generated ids are below <paramref name="id"/>.</summary>
    private long CountBelow(ulong id) => id <= first ? 0 : (long)Math.Min((ulong)count, ((id - first - 1) / step) + 1);

    /// <summary>Index of the first posted id at or above <paramref name="id"/>.</summary>
    private int LowerBound(ulong id)
    {
        var keys = _posted.Keys;
        int low = 0, high = keys.Count;
        while (low < high)
        {
            var middle = (low + high) / 2;
            if (keys[middle] < id)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }
}

using System.Threading.Channels;
using Microsoft.Win32.SafeHandles;

namespace ClipSaver.Core.Exports;

/// <summary>
/// The local folder's files of a part, opened (and their sizes checked) on a thread of its own, in order, up to
/// <see cref="Ahead"/> ahead of the kernel's copy; the copied ones are closed there too (decision 031). The copy itself
/// is as quick as <c>cat</c>'s; what kept an export behind was the opening, checking and closing of 10,000 small files
/// on the same thread, one after the other. On a machine of two cores they now overlap the copying. Batches of rows are
/// queued as they are read, so the opening runs on across them.
/// </summary>
internal sealed class FilesOpenedAhead : IAsyncDisposable
{
    /// <summary>Files open and waiting at most (each is a file descriptor).</summary>
    internal const int Ahead = 128;

    /// <summary>How few may be left waiting before the opening, once it stopped at <see cref="Ahead"/>, goes on.</summary>
    private const int Refill = Ahead * 3 / 4;

    // Unbounded, with the limit kept by the counts below: a bounded channel wakes a full writer at every file taken, and
    // that wake-up (a thread pool item, a futex call) cost the copying thread as much as the copy of a small file.
    private readonly Channel<Opened> _opened = System.Threading.Channels.Channel.CreateUnbounded<Opened>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private int _produced;
    private int _taken;
    private readonly ManualResetEventSlim _room = new(false);
    private volatile bool _waiting;
    private readonly Channel<SafeFileHandle> _done = System.Threading.Channels.Channel.CreateUnbounded<SafeFileHandle>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly System.Collections.Concurrent.BlockingCollection<IReadOnlyList<(string Key, long Size)?>> _batches = [];
    private readonly Task _opening;

    /// <summary>Starts the opening thread (one per part: starting a thread waits until it runs, milliseconds on a busy machine).</summary>
    public FilesOpenedAhead(LocalFolderClipStorage storage) =>
        _opening = Task.Factory.StartNew(() => OpenAll(storage, _stop.Token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>
    /// Queues a batch of files to open after those queued before, in their order: for each, its handle when it exists
    /// with the size given, else null (a file that is gone, of another size, or null in the list: the reading way takes it).
    /// </summary>
    public void Add(IReadOnlyList<(string Key, long Size)?> files) => _batches.Add(files);

    /// <summary>The next file's handle (or null, or the error its opening met); called once per file, in order.</summary>
    public async ValueTask<SafeFileHandle?> NextAsync(CancellationToken cancellationToken)
    {
        var next = await _opened.Reader.ReadAsync(cancellationToken);
        var taken = Interlocked.Increment(ref _taken);
        // The opening is woken once it may open Ahead - Refill more, not at every file taken.
        if (_waiting && Volatile.Read(ref _produced) - taken <= Refill)
        {
            _room.Set();
        }

        return next.Error is { } error ? throw error : next.File;
    }

    /// <summary>A file copied: it is closed on the opening thread.</summary>
    public void Done(SafeFileHandle file)
    {
        if (!_done.Writer.TryWrite(file))
        {
            file.Dispose();
        }
    }

    private void OpenAll(LocalFolderClipStorage storage, CancellationToken stopping)
    {
        try
        {
            foreach (var file in _batches.GetConsumingEnumerable(stopping).SelectMany(files => files))
            {
                CloseDone();
                if (!Room(stopping))
                {
                    return;
                }

                var opened = Open(storage, file);
                if (stopping.IsCancellationRequested || !_opened.Writer.TryWrite(opened))
                {
                    opened.File?.Dispose();
                    return;
                }

                Interlocked.Increment(ref _produced);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped while waiting for the next batch.
        }
        finally
        {
            _opened.Writer.TryComplete();
        }
    }

    /// <summary>Waits, when <see cref="Ahead"/> files are open and waiting, until no more than <see cref="Refill"/> are; false when stopped.</summary>
    private bool Room(CancellationToken stopping)
    {
        if (_produced - Volatile.Read(ref _taken) < Ahead)
        {
            return true;
        }

        _room.Reset();
        _waiting = true;
        try
        {
            // Looked at again after saying so: a file taken in between either saw the flag, or is counted here.
            while (_produced - Interlocked.CompareExchange(ref _taken, 0, 0) > Refill)
            {
                _room.Wait(stopping);
                _room.Reset();
            }

            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        finally
        {
            _waiting = false;
        }
    }

    private static Opened Open(LocalFolderClipStorage storage, (string Key, long Size)? file)
    {
        if (file is not { } f)
        {
            return default;
        }

        SafeFileHandle? handle = null;
        try
        {
            handle = storage.OpenHandle(f.Key);
            if (handle is not null && RandomAccess.GetLength(handle) != f.Size)
            {
                handle.Dispose();
                handle = null;
            }

            return new Opened(handle, null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            handle?.Dispose();
            return new Opened(null, e);
        }
    }

    private void CloseDone()
    {
        while (_done.Reader.TryRead(out var file))
        {
            file.Dispose();
        }
    }

    /// <summary>Stops the opening; files opened and not taken, and files copied and not yet closed, are closed.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _opening.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        while (_opened.Reader.TryRead(out var left))
        {
            left.File?.Dispose();
        }

        _done.Writer.TryComplete();
        CloseDone();
        _stop.Dispose();
        _room.Dispose();
        _batches.Dispose();
    }

    private readonly record struct Opened(SafeFileHandle? File, Exception? Error);
}

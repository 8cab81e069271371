using System.Threading.Channels;
using Microsoft.Win32.SafeHandles;

namespace ClipSaver.Core.Exports;

/// <summary>
/// The local folder's files of a batch, opened (and their sizes checked) on another thread, in order, a few ahead of the
/// kernel's copy; the copied ones are closed there too (decision 031). The copy itself is as quick as <c>cat</c>'s; what
/// kept an export behind was the opening, checking and closing of 10,000 small files on the same thread, one after the
/// other. On a machine of two cores they now overlap the copying.
/// </summary>
internal sealed class FilesOpenedAhead : IAsyncDisposable
{
    /// <summary>Files open and waiting at most (each is a file descriptor).</summary>
    private const int Ahead = 32;

    private readonly Channel<Opened> _opened = System.Threading.Channels.Channel.CreateBounded<Opened>(new BoundedChannelOptions(Ahead) { SingleReader = true, SingleWriter = true });
    private readonly Channel<SafeFileHandle> _done = System.Threading.Channels.Channel.CreateUnbounded<SafeFileHandle>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _opening;

    /// <summary>
    /// Starts opening <paramref name="files"/> in their order: for each, its handle when it exists with the size given,
    /// else null (a file that is gone, of another size, or null in the list: the reading way takes it).
    /// </summary>
    public FilesOpenedAhead(LocalFolderClipStorage storage, IReadOnlyList<(string Key, long Size)?> files) =>
        _opening = Task.Run(() => OpenAllAsync(storage, files, _stop.Token));

    /// <summary>The next file's handle (or null, or the error its opening met); called once per file, in order.</summary>
    public async ValueTask<SafeFileHandle?> NextAsync(CancellationToken cancellationToken)
    {
        var next = await _opened.Reader.ReadAsync(cancellationToken);
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

    private async Task OpenAllAsync(LocalFolderClipStorage storage, IReadOnlyList<(string Key, long Size)?> files, CancellationToken stopping)
    {
        try
        {
            foreach (var file in files)
            {
                CloseDone();
                var opened = Open(storage, file);
                try
                {
                    await _opened.Writer.WriteAsync(opened, stopping);
                }
                catch (OperationCanceledException)
                {
                    opened.File?.Dispose();
                    return;
                }
            }
        }
        finally
        {
            _opened.Writer.TryComplete();
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
    }

    private readonly record struct Opened(SafeFileHandle? File, Exception? Error);
}

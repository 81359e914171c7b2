using System.Runtime.InteropServices;

namespace Sta.MLNet;

/// <summary>
/// Pushes written files and renames from the operating system's cache to the disk, so that a power loss right after a
/// checkpoint cannot leave a folder whose files are named but empty. A process that is killed needs none of this (the
/// kernel still writes its cache); a machine that loses power does.
/// </summary>
internal static class DurableFiles
{
    /// <summary>Writes the file's data and size to the disk (fsync) before returning.</summary>
    public static void Flush(string path)
    {
        // FileStream only flushes to the disk when it may write; opening for writing does not truncate with FileMode.Open.
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>
    /// Writes the folder's entries (names created, renamed or deleted in it) to the disk, where the platform allows it
    /// (Linux and macOS; Windows journals directory changes itself). Best effort: a file system that cannot sync a
    /// directory still renames atomically.
    /// </summary>
    public static unsafe void FlushFolder(string path)
    {
        if (!FlushesFolders || PosixCalls.Value is not { } calls) return;
        // .NET opens no file handle for a directory, so this takes the C library's own open/fsync/close.
        var name = System.Text.Encoding.UTF8.GetBytes(path + '\0');
        fixed (byte* pathName = name)
        {
            int descriptor = ((delegate* unmanaged<byte*, int, int>)calls.Open)(pathName, ReadOnly);
            if (descriptor < 0) return;
            _ = ((delegate* unmanaged<int, int>)calls.Sync)(descriptor);
            _ = ((delegate* unmanaged<int, int>)calls.Close)(descriptor);
        }
    }

    /// <summary>Whether <see cref="FlushFolder"/> reaches the disk on this platform.</summary>
    public static bool FlushesFolders => (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()) && PosixCalls.Value is not null;

    private const int ReadOnly = 0;

    private sealed record Calls(nint Open, nint Sync, nint Close);

    // Looked up among the symbols the process has already loaded (the C library's, whatever its file name: glibc, musl,
    // macOS), instead of by a library name that differs between platforms.
    private static readonly Lazy<Calls?> PosixCalls = new(() =>
    {
        var process = NativeLibrary.GetMainProgramHandle();
        return NativeLibrary.TryGetExport(process, "open", out var open) && NativeLibrary.TryGetExport(process, "fsync", out var sync) &&
               NativeLibrary.TryGetExport(process, "close", out var close)
            ? new Calls(open, sync, close)
            : null;
    });
}

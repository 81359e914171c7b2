using System.Runtime.InteropServices;

namespace Sta.MLNet.IO;

/// <summary>
/// Pushes written files and renames from the operating system's cache to the disk, so that a power loss right after a
/// checkpoint cannot leave a folder whose files are named but empty. A process that is killed needs none of this (the
/// kernel still writes its cache); a machine that loses power does.
/// </summary>
internal static partial class DurableFiles
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
    public static void FlushFolder(string path)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return;
        int descriptor = Open(path, ReadOnly);
        if (descriptor < 0) return;
        try
        {
            _ = FileSync(descriptor);
        }
        finally
        {
            _ = Close(descriptor);
        }
    }

    private const int ReadOnly = 0;

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync")]
    private static partial int FileSync(int descriptor);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int descriptor);
}

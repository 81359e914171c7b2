namespace Sta.MLNet.Server.Jobs;

/// <summary>
/// The private folder uploads live in while their job runs: made at start-up (readable by this user only), emptied file
/// by file as jobs end, removed at shutdown with anything left in it.
/// </summary>
internal sealed class UploadFolder
{
    public UploadFolder(StaServerOptions options)
    {
        var root = options.TemporaryDirectory ?? System.IO.Path.GetTempPath();
        Path = System.IO.Path.Combine(root, $"sta-serve-{Environment.ProcessId}-{JobStore.NewId()[..8]}");
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(Path);
        else Directory.CreateDirectory(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public string Path { get; }

    /// <summary>A new file name in the folder for job <paramref name="id"/> with <paramref name="extension"/>.</summary>
    public string FileFor(string id, string extension) => System.IO.Path.Combine(Path, id + extension);

    public void Delete()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

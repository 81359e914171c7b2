using Sta.MLNet;

namespace Sta.MLNet.Tests.Persistence;

public sealed class DurableFilesTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("sta-durable-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    [Fact]
    public void Flushing_a_file_keeps_its_content_and_flushing_its_folder_succeeds()
    {
        var path = Path.Combine(_temp, "data.bin");
        File.WriteAllBytes(path, [1, 2, 3, 4]);
        DurableFiles.Flush(path);
        DurableFiles.FlushFolder(_temp);
        Assert.Equal([1, 2, 3, 4], File.ReadAllBytes(path));
        // On Linux (the CI platform) the C library's open/fsync/close are found among the loaded symbols.
        Assert.True(!OperatingSystem.IsLinux() || DurableFiles.FlushesFolders);
    }

    [Fact]
    public void Flushing_a_folder_that_does_not_exist_is_a_no_op()
    {
        DurableFiles.FlushFolder(Path.Combine(_temp, "missing"));
        Assert.False(Directory.Exists(Path.Combine(_temp, "missing")));
    }
}

namespace Sta.MLNet.Benchmarks;

/// <summary>Repository root and shared fixture folder (same rules as the test suite: <c>../shared</c> beside the
/// repository, or <c>STA_SHARED_DIR</c>).</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string SharedFixture(string name)
    {
        var shared = Environment.GetEnvironmentVariable("STA_SHARED_DIR");
        var folder = Path.Combine(string.IsNullOrWhiteSpace(shared) ? Path.Combine(Root, "..", "shared") : shared, "fixtures", name);
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"Benchmark input fixtures '{name}' not found at {Path.GetFullPath(folder)}; set STA_SHARED_DIR.");
        return Path.GetFullPath(folder);
    }

    private static string FindRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "Sta.MLNet.sln"))) return d.FullName;
        }
        throw new InvalidOperationException("Run the benchmarks from inside the repository (Sta.MLNet.sln not found above the current directory).");
    }
}

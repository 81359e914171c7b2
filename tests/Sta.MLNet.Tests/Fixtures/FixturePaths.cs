namespace Sta.MLNet.Tests.Fixtures;

/// <summary>
/// Locates the golden fixtures. They live in <c>../shared/fixtures</c> beside the repository (CI lays them there);
/// <c>STA_SHARED_DIR</c> overrides the location of <c>shared/</c>. Extra fixture folders come from the
/// <c>STA_PARITY_FIXTURES</c> and <c>STA_PREPROCESS_FIXTURES</c> variables (':'-separated).
/// A missing fixture folder is a test failure with a message saying where it was looked for: fixtures are
/// present in CI, so tests that need them must run there, never skip.
/// </summary>
public static class FixturePaths
{
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string SharedDirectory
    {
        get
        {
            var fromEnvironment = Environment.GetEnvironmentVariable("STA_SHARED_DIR");
            return string.IsNullOrWhiteSpace(fromEnvironment)
                ? Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared"))
                : Path.GetFullPath(fromEnvironment);
        }
    }

    /// <summary>A folder under <c>shared/fixtures</c>; fails the calling test clearly when it is absent.</summary>
    public static string Fixture(string name)
    {
        var path = Path.Combine(SharedDirectory, "fixtures", name);
        if (!Directory.Exists(path))
            throw new DirectoryNotFoundException(
                $"Golden fixtures '{name}' not found at {path}. Lay the project's shared/ folder beside the repository " +
                "or set STA_SHARED_DIR to it.");
        return path;
    }

    /// <summary>The public fixture folder plus every folder named in <paramref name="environmentVariable"/>.</summary>
    public static IEnumerable<string> FixtureFolders(string publicName, string environmentVariable)
    {
        var folders = new List<string> { Fixture(publicName) };
        var extra = Environment.GetEnvironmentVariable(environmentVariable);
        if (!string.IsNullOrWhiteSpace(extra))
        {
            foreach (var folder in extra.Split(':', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!Directory.Exists(folder))
                    throw new DirectoryNotFoundException($"{environmentVariable} names {folder}, which does not exist.");
                folders.Add(Path.GetFullPath(folder));
            }
        }
        return folders;
    }

    private static string FindRepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Sta.MLNet.sln")))
            directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException(
            $"Cannot find Sta.MLNet.sln above {AppContext.BaseDirectory}.");
    }
}

using System.Text.Json;

namespace Sta.MLNet.Cli.Tests;

/// <summary>Field paths of a JSON document in the notation of docs/cli.md: "a.b", "list[].c".</summary>
internal static class JsonPaths
{
    public static SortedSet<string> Of(JsonElement element)
    {
        var paths = new SortedSet<string>(StringComparer.Ordinal);
        Collect(element, "", paths);
        return paths;
    }

    private static void Collect(JsonElement element, string prefix, SortedSet<string> paths)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    var path = prefix.Length == 0 ? property.Name : $"{prefix}.{property.Name}";
                    var kind = property.Value.ValueKind;
                    // Arrays of objects are described by their elements' fields; arrays of numbers are leaves.
                    if (kind == JsonValueKind.Object || (kind == JsonValueKind.Array && property.Value.EnumerateArray().Any(e => e.ValueKind == JsonValueKind.Object)))
                        Collect(property.Value, path, paths);
                    else
                        paths.Add(path);
                }
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                    Collect(item, prefix + "[]", paths);
                break;
        }
    }
}

/// <summary>Schema blocks of docs/cli.md (fenced blocks with an info string such as <c>text score-json-fields</c>).</summary>
internal static class CliDoc
{
    public static IReadOnlyList<string> Block(string name)
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Sta.MLNet.sln")))
            directory = directory.Parent;
        var path = Path.Combine(directory?.FullName ?? throw new InvalidOperationException("No Sta.MLNet.sln above the test binaries."), "docs", "cli.md");
        var lines = File.ReadAllLines(path);
        var start = Array.FindIndex(lines, l => l.StartsWith("```", StringComparison.Ordinal) && l.Split(' ').Skip(1).Contains(name));
        if (start < 0) throw new InvalidOperationException($"docs/cli.md has no block named {name}.");
        return lines.Skip(start + 1).TakeWhile(l => !l.StartsWith("```", StringComparison.Ordinal)).Where(l => l.Trim().Length > 0).ToList();
    }
}

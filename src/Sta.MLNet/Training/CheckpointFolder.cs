using System.Text.Json;

namespace Sta.MLNet;

/// <summary>One file of a checkpoint folder and how to write it (the writer receives the full path).</summary>
internal sealed record CheckpointFile(string Name, Action<string> Write);

/// <summary>
/// A folder of checkpoint files (e.g. <c>last/</c>) that is replaced as a whole, such that a crash at any moment leaves
/// a complete version that <see cref="Recover"/> finds: the newest one whose files were all written.
/// <para>
/// <see cref="Replace"/> writes every file into <c>&lt;name&gt;.tmp/</c>, flushes each to the disk, and writes a
/// manifest (file names and sizes) last: a folder with a valid manifest whose files have those sizes is complete.
/// It then renames the current folder to <c>&lt;name&gt;.old/</c>, the new one to <c>&lt;name&gt;/</c>, and deletes
/// <c>&lt;name&gt;.old/</c>. Each rename is atomic, so at every moment at least one of the three folders is complete,
/// and they are never older in the order <c>.tmp</c>, current, <c>.old</c>.
/// </para>
/// <para>
/// A folder without a manifest is accepted in the current place only (as written by versions that renamed a staging
/// folder into place without one) when it holds every required file.
/// </para>
/// </summary>
internal sealed class CheckpointFolder
{
    public const string ManifestFile = "manifest.json";

    private readonly IReadOnlyList<string> _requiredFiles;
    private readonly Action<string>? _faultProbe;

    /// <param name="path">The folder readers use (e.g. <c>checkpoints/last</c>).</param>
    /// <param name="requiredFiles">Files a complete version holds.</param>
    /// <param name="faultProbe">Called with the name of each point of <see cref="Replace"/> (see <see cref="TrainingFaultPoints"/>),
    /// so that a test can crash the process there.</param>
    public CheckpointFolder(string path, IReadOnlyList<string> requiredFiles, Action<string>? faultProbe = null)
    {
        Path = System.IO.Path.GetFullPath(path);
        _requiredFiles = requiredFiles;
        _faultProbe = faultProbe;
    }

    /// <summary>Where the current complete version lives after <see cref="Recover"/> returned true.</summary>
    public string Path { get; }

    /// <summary>Short name of the folder (its last path component), used in fault point names.</summary>
    public string Name => System.IO.Path.GetFileName(Path);

    private string Staging => Path + ".tmp";

    private string Previous => Path + ".old";

    private string Parent => System.IO.Path.GetDirectoryName(Path)!;

    /// <summary>
    /// Finishes or undoes an interrupted <see cref="Replace"/> so that <see cref="Path"/> holds the newest complete
    /// version, and removes incomplete leftovers. Returns false when no complete version exists (a folder at
    /// <see cref="Path"/> that is not one is left alone; the next <see cref="Replace"/> moves it aside and deletes it).
    /// Safe to interrupt at any moment and to call again.
    /// </summary>
    public bool Recover()
    {
        if (IsComplete(Staging, allowWithoutManifest: false))
        {
            // The interrupted Replace had written everything: the staged version is the newest, so finish its swap.
            if (Directory.Exists(Path))
            {
                DeleteIfPresent(Previous);
                Directory.Move(Path, Previous);
            }
            Directory.Move(Staging, Path);
            DurableFiles.FlushFolder(Parent);
            DeleteIfPresent(Previous);
            return true;
        }
        DeleteIfPresent(Staging);
        if (IsComplete(Path, allowWithoutManifest: true))
        {
            DeleteIfPresent(Previous);
            return true;
        }
        if (IsComplete(Previous, allowWithoutManifest: false))
        {
            // Killed between moving the current version aside and renaming the new one into place.
            DeleteIfPresent(Path);
            Directory.Move(Previous, Path);
            DurableFiles.FlushFolder(Parent);
            return true;
        }
        DeleteIfPresent(Previous);
        return false;
    }

    /// <summary>Writes <paramref name="files"/> (in order) as the new complete version of the folder.</summary>
    public void Replace(IReadOnlyList<CheckpointFile> files)
    {
        var missing = _requiredFiles.Except(files.Select(f => f.Name)).ToList();
        if (missing.Count > 0) throw new ArgumentException($"A version of {Path} needs {string.Join(", ", missing)}.", nameof(files));
        Directory.CreateDirectory(Parent);
        Recover();
        Directory.CreateDirectory(Staging);
        Reached("staging-created");
        var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var path = System.IO.Path.Combine(Staging, file.Name);
            file.Write(path);
            DurableFiles.Flush(path);
            sizes[file.Name] = new FileInfo(path).Length;
            Reached($"written:{file.Name}");
        }
        WriteManifest(sizes);
        DurableFiles.FlushFolder(Staging);
        Reached("complete");
        if (Directory.Exists(Path))
        {
            Directory.Move(Path, Previous);
            Reached("set-aside");
        }
        Directory.Move(Staging, Path);
        DurableFiles.FlushFolder(Parent);
        Reached("renamed");
        DeleteIfPresent(Previous);
        Reached("replaced");
    }

    private void Reached(string moment) => _faultProbe?.Invoke($"{Name}:{moment}");

    private void WriteManifest(Dictionary<string, long> sizes)
    {
        var path = System.IO.Path.Combine(Staging, ManifestFile);
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        JsonSerializer.Serialize(stream, new Manifest { Files = sizes });
        stream.Flush(flushToDisk: true);
    }

    private bool IsComplete(string folder, bool allowWithoutManifest)
    {
        if (!Directory.Exists(folder)) return false;
        var manifestPath = System.IO.Path.Combine(folder, ManifestFile);
        if (!File.Exists(manifestPath))
            return allowWithoutManifest && _requiredFiles.All(name => File.Exists(System.IO.Path.Combine(folder, name)));
        Manifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<Manifest>(File.ReadAllBytes(manifestPath));
        }
        catch (JsonException)
        {
            return false; // cut short while it was written
        }
        if (manifest?.Files is not { } files || _requiredFiles.Any(name => !files.ContainsKey(name))) return false;
        return files.All(entry =>
        {
            var file = new FileInfo(System.IO.Path.Combine(folder, entry.Key));
            return file.Exists && file.Length == entry.Value;
        });
    }

    private static void DeleteIfPresent(string folder)
    {
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
    }

    private sealed class Manifest
    {
        public int FormatVersion { get; set; } = 1;

        public Dictionary<string, long>? Files { get; set; }
    }
}

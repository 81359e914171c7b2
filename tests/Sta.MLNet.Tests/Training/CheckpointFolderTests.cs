using Sta.MLNet;

namespace Sta.MLNet.Tests.Training;

public sealed class CheckpointFolderTests : IDisposable
{
    private static readonly string[] Required = ["a.bin", "b.txt"];

    private readonly string _temp = Directory.CreateTempSubdirectory("sta-folder-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    private string Current => Path.Combine(_temp, "last");

    private static CheckpointFile[] Version(string text) =>
    [
        new("a.bin", path => File.WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(text + " payload"))),
        new("b.txt", path => File.WriteAllText(path, text)),
    ];

    private CheckpointFolder Folder(Action<string>? probe = null) => new(Current, Required, probe);

    /// <summary>The version a fresh reader recovers, or null; asserts no leftover of a replacement remains.</summary>
    private string? Recovered()
    {
        var folder = Folder();
        string? version = folder.Recover() ? File.ReadAllText(Path.Combine(folder.Path, "b.txt")) : null;
        Assert.False(Directory.Exists(Current + ".tmp"), "staging folder left behind");
        Assert.False(Directory.Exists(Current + ".old"), "previous version left behind");
        return version;
    }

    /// <summary>Replaces the folder with <paramref name="version"/>, stopping at <paramref name="point"/> as a crash would.</summary>
    private void CrashWhileReplacing(string point, string version)
    {
        var crashing = Folder(reached => { if (reached == point) throw new SimulatedCrash(); });
        Assert.Throws<SimulatedCrash>(() => crashing.Replace(Version(version)));
    }

    public static TheoryData<string, string> CrashPoints => new()
    {
        // Before the manifest is written the new version does not exist; from then on it is the newest complete one.
        { "last:staging-created", "v1" },
        { "last:written:a.bin", "v1" },
        { "last:written:b.txt", "v1" },
        { "last:complete", "v2" },
        { "last:set-aside", "v2" },
        { "last:renamed", "v2" },
        { "last:replaced", "v2" },
    };

    [Theory]
    [MemberData(nameof(CrashPoints))]
    public void A_replacement_cut_short_at_any_point_recovers_a_whole_version(string point, string expected)
    {
        Folder().Replace(Version("v1"));
        CrashWhileReplacing(point, "v2");
        Assert.Equal(expected, Recovered());
        // And the folder takes the next version normally.
        Folder().Replace(Version("v3"));
        Assert.Equal("v3", Recovered());
    }

    [Fact]
    public void A_first_replacement_cut_short_before_its_manifest_leaves_no_version()
    {
        CrashWhileReplacing("last:written:b.txt", "v1");
        Assert.Null(Recovered());
    }

    [Fact]
    public void Every_point_of_a_replacement_is_reported_in_order()
    {
        var reached = new List<string>();
        Folder(reached.Add).Replace(Version("v1"));
        Folder(reached.Add).Replace(Version("v2"));
        string[] first = ["last:staging-created", "last:written:a.bin", "last:written:b.txt", "last:complete", "last:renamed", "last:replaced"];
        string[] second = ["last:staging-created", "last:written:a.bin", "last:written:b.txt", "last:complete", "last:set-aside", "last:renamed", "last:replaced"];
        Assert.Equal([.. first, .. second], reached);
        Assert.True(File.Exists(Path.Combine(Current, CheckpointFolder.ManifestFile)));
    }

    [Fact]
    public void A_staged_version_with_a_truncated_file_is_not_taken()
    {
        Folder().Replace(Version("v1"));
        CrashWhileReplacing("last:complete", "v2");
        File.WriteAllText(Path.Combine(Current + ".tmp", "a.bin"), "v2");
        Assert.Equal("v1", Recovered());
    }

    [Fact]
    public void A_cut_short_manifest_is_not_taken()
    {
        Folder().Replace(Version("v1"));
        CrashWhileReplacing("last:complete", "v2");
        var manifest = Path.Combine(Current + ".tmp", CheckpointFolder.ManifestFile);
        var text = File.ReadAllText(manifest);
        File.WriteAllText(manifest, text[..(text.Length / 2)]);
        Assert.Equal("v1", Recovered());
    }

    [Fact]
    public void A_partly_deleted_previous_version_is_removed_and_the_current_one_kept()
    {
        Folder().Replace(Version("v1"));
        CrashWhileReplacing("last:renamed", "v2");
        File.Delete(Path.Combine(Current + ".old", "a.bin"));
        Assert.Equal("v2", Recovered());
    }

    [Fact]
    public void A_version_set_aside_is_taken_back_when_the_staged_one_is_incomplete()
    {
        Folder().Replace(Version("v1"));
        CrashWhileReplacing("last:set-aside", "v2");
        // As if the staged version had been lost after the previous one was moved aside.
        File.Delete(Path.Combine(Current + ".tmp", CheckpointFolder.ManifestFile));
        Assert.Equal("v1", Recovered());
    }

    [Fact]
    public void A_folder_without_manifest_in_the_current_place_is_read_when_it_has_every_file()
    {
        Directory.CreateDirectory(Current);
        foreach (var file in Version("legacy")) file.Write(Path.Combine(Current, file.Name));
        Assert.Equal("legacy", Recovered());

        File.Delete(Path.Combine(Current, "a.bin"));
        Assert.Null(Recovered());
        // The next version replaces the unreadable folder.
        Folder().Replace(Version("v1"));
        Assert.Equal("v1", Recovered());
    }

    [Fact]
    public void A_version_missing_a_required_file_is_refused_before_anything_is_written()
    {
        var error = Assert.Throws<ArgumentException>(() => Folder().Replace([Version("v1")[0]]));
        Assert.Contains("b.txt", error.Message);
        Assert.False(Directory.Exists(Current + ".tmp"));
    }
}

/// <summary>Thrown by a fault probe to stop a run where a crash would: nothing after the point runs.</summary>
internal sealed class SimulatedCrash : Exception;

using System.Text.Json;
using Sta.MLNet.Tests.Fixtures;
using Xunit.Abstractions;

namespace Sta.MLNet.Tests.Faces;

/// <summary>
/// One case of a preprocess fixture <c>config.json</c>: its folder and its JSON object. Serialisable so that the
/// runner lists every case separately under its <c>name</c>.
/// </summary>
public sealed class PreprocessFixtureCase : IXunitSerializable
{
    public PreprocessFixtureCase()
    {
        Folder = "";
    }

    public PreprocessFixtureCase(string folder, JsonElement json)
    {
        Folder = folder;
        Json = json;
    }

    public string Folder { get; private set; }
    public JsonElement Json { get; private set; }

    public void Serialize(IXunitSerializationInfo info)
    {
        info.AddValue(nameof(Folder), Folder);
        info.AddValue(nameof(Json), Json.GetRawText());
    }

    public void Deserialize(IXunitSerializationInfo info)
    {
        Folder = info.GetValue<string>(nameof(Folder));
        using var document = JsonDocument.Parse(info.GetValue<string>(nameof(Json)));
        Json = document.RootElement.Clone();
    }
    public string Name => Json.GetProperty("name").GetString()!;

    public string PathOf(string property) => Path.Combine(Folder, Json.GetProperty(property).GetString()!);

    /// <summary>Shown by the test runner as the case's display name.</summary>
    public override string ToString() => Name;
}

/// <summary>Enumerates the cases of one section of every preprocess fixture folder (data-driven theories).</summary>
public static class PreprocessFixtureCases
{
    public static TheoryData<PreprocessFixtureCase> Section(string section)
    {
        var data = new TheoryData<PreprocessFixtureCase>();
        foreach (var folder in FixturePaths.FixtureFolders("preprocess", "STA_PREPROCESS_FIXTURES"))
        {
            var configPath = Path.Combine(folder, "config.json");
            if (!File.Exists(configPath))
                continue;
            using var document = JsonDocument.Parse(File.ReadAllText(configPath));
            var root = document.RootElement;
            if (root.GetProperty("kind").GetString() != "preprocess-fixtures" || !root.TryGetProperty(section, out var cases))
                continue;
            foreach (var item in cases.EnumerateArray())
                data.Add(new PreprocessFixtureCase(folder, item.Clone()));
        }
        return data;
    }

    public static double[][] ReadPoints(JsonElement array) =>
        array.EnumerateArray().Select(p => p.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
}

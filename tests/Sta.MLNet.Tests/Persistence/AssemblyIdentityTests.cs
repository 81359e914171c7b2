using Microsoft.ML;
using Microsoft.ML.Data;
using Sta.MLNet;

namespace Sta.MLNet.Tests.Persistence;

/// <summary>
/// What the loader assembly name ML.NET stores in every stage stream does to old models (docs/persistence.md):
/// ML.NET calls Assembly.Load(storedFullName) before looking the loader up.
/// </summary>
public class AssemblyIdentityTests
{
    private sealed class FramesRow
    {
        [VectorType(12)] public byte[] Frames { get; set; } = [];
    }

    private static (ModelZip Zip, string Entry, string StoredName) SavedModel()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable([new FramesRow { Frames = new byte[12] }]);
        var model = ml.NormalizeClip(frameCount: 1, height: 2, width: 2).Fit(data);
        using var stream = new MemoryStream();
        ml.Model.Save(model, data.Schema, stream);
        var zip = new ModelZip(stream.ToArray());
        var entry = zip.FindModelStream("StaClipNormalizer");
        return (zip, entry, ModelZip.LoaderAssemblyName(zip[entry]));
    }

    private static Exception? TryLoad(ModelZip zip) =>
        Record.Exception(() => StaMLNet.LoadModel(new MLContext(seed: 1), zip.ToStream(), out _));

    [Fact]
    public void AssemblyVersionIsPinnedBecauseSavedModelsNameIt()
    {
        // Models name "Sta.MLNet, Version=1.0.0.0, ..."; a library with a lower AssemblyVersion could not load them.
        // Change only with docs/persistence.md in hand.
        Assert.Equal(new Version(1, 0, 0, 0), typeof(StaMLNet).Assembly.GetName().Version);
        Assert.Equal("Sta.MLNet, Version=1.0.0.0, Culture=neutral, PublicKeyToken=null", SavedModel().StoredName);
    }

    [Fact]
    public void ModelNamingAnOlderAssemblyVersionLoads()
    {
        var (zip, entry, stored) = SavedModel();
        zip.SetLoaderAssemblyName(entry, stored.Replace("Version=1.0.0.0", "Version=0.9.0.0"));
        Assert.Null(TryLoad(zip));
    }

    [Fact]
    public void ModelNamingANewerAssemblyVersionLoadsThroughTheResolver()
    {
        // Without StaMLNet's resolver a plain application fails here with FileNotFoundException (docs/persistence.md);
        // test hosts may resolve it on their own, so this test guards the outcome, not the mechanism.
        var (zip, entry, stored) = SavedModel();
        zip.SetLoaderAssemblyName(entry, stored.Replace("Version=1.0.0.0", "Version=2.0.0.0"));
        Assert.Null(TryLoad(zip));
    }

    [Fact]
    public void ModelNamingARenamedAssemblyDoesNotLoad()
    {
        var (zip, entry, stored) = SavedModel();
        zip.SetLoaderAssemblyName(entry, stored.Replace("Sta.MLNet,", "Sta.MLNeX,"));
        var error = TryLoad(zip);
        Assert.NotNull(error);
        Assert.Contains("Sta.MLNeX", PersistenceTests.Flatten(error));
    }
}

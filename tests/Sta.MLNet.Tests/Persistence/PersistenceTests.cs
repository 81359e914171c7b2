using Microsoft.ML;
using Microsoft.ML.Data;
using Sta.MLNet;
using Sta.MLNet.Tests.Pipelines;

namespace Sta.MLNet.Tests.Persistence;

public class PersistenceTests
{
    private const int T = 1, H = 2, W = 2, Size = T * H * W * 3;

    private sealed class FramesRow
    {
        [VectorType(Size)] public byte[] Frames { get; set; } = [];
    }

    private static (MLContext Context, IDataView Data, byte[] Zip) SaveClipNormalizer()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable([new FramesRow { Frames = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 255] }]);
        var model = ml.Transforms.CopyColumns("Copy", "Frames")
            .Append(ml.NormalizeClip(frameCount: T, height: H, width: W)).Fit(data);
        using var stream = new MemoryStream();
        ml.Model.Save(model, data.Schema, stream);
        return (ml, data, stream.ToArray());
    }

    private static float[] ClipValues(ITransformer model, IDataView data)
    {
        var output = model.Transform(data);
        using var cursor = output.GetRowCursor([output.Schema["Clip"]]);
        var getter = cursor.GetGetter<VBuffer<float>>(output.Schema["Clip"]);
        Assert.True(cursor.MoveNext());
        VBuffer<float> value = default;
        getter(ref value);
        return value.DenseValues().ToArray();
    }

    [Fact]
    public void BridgeFindsEveryMemberOfTheLoadedMLNet()
    {
        var members = MLNetInternals.Get();
        Assert.NotNull(members.CatalogAddClass);
        Assert.Equal("Microsoft.ML.ModelLoadContext", members.ModelLoadContextType.FullName);
    }

    [Fact]
    public void BridgeFindsTheCancellationFlagThatMLContextCancelExecutionSets()
    {
        Assert.Equal(typeof(bool), MLNetInternals.ResolveCancelledFlag(typeof(Microsoft.ML.ModelSaveContext).Assembly).PropertyType);
        var ml = new MLContext(seed: 1);
        var host = ((Microsoft.ML.Runtime.IHostEnvironment)ml).Register("cancellation-check");
        Assert.False(MLNetInternals.IsCancelled(host));
        StaTrainerTests.CancelExecution(ml);
        Assert.True(MLNetInternals.IsCancelled(host));
        Assert.Throws<NotSupportedException>(() => MLNetInternals.ResolveCancelledFlag(typeof(string).Assembly));
    }

    [Fact]
    public void BridgeNamesTheMissingMemberAndTheNeededVersion()
    {
        var error = Assert.Throws<NotSupportedException>(() => MLNetInternals.Resolve(typeof(string).Assembly));
        Assert.Contains("Unsupported ML.NET version", error.Message);
        Assert.Contains("Sta.MLNet is verified on 5.0.x and 6.0.x", error.Message);
        Assert.Contains("Microsoft.ML.ModelSaveContext", error.Message);
    }

    [Fact]
    public void LoadingWithoutRegisterFailsAndRegisterIsIdempotent()
    {
        var (_, data, zip) = SaveClipNormalizer();
        var unregistered = new MLContext(seed: 1);
        Assert.ThrowsAny<Exception>(() => unregistered.Model.Load(new MemoryStream(zip), out _));

        var registered = new MLContext(seed: 1);
        StaMLNet.Register(registered);
        StaMLNet.Register(registered);
        StaMLNet.RegisterStage<ClipNormalizingTransformer>(registered);
        var model = registered.Model.Load(new MemoryStream(zip), out var schema);
        Assert.Equal(Size, ((VectorDataViewType)schema["Frames"].Type).Size);
        Assert.Equal(-0.48145466 / 0.26862954, ClipValues(model, data)[0], 5);

        var viaHelper = StaMLNet.LoadModel(new MLContext(seed: 1), new MemoryStream(zip), out _);
        Assert.Equal(ClipValues(model, data), ClipValues(viaHelper, data));
    }

    [Fact]
    public void ModelZipHoldsTheStageStreamWithHeaderAndLoaderAssembly()
    {
        var (_, _, zip) = SaveClipNormalizer();
        var model = new ModelZip(zip);
        var entry = model.FindModelStream("StaClipNormalizer");
        Assert.StartsWith("TransformerChain/", entry.Replace('\\', '/'));
        Assert.Equal(typeof(ClipNormalizingTransformer).Assembly.FullName, ModelZip.LoaderAssemblyName(model[entry]));
        Assert.Equal("STACLIPN", System.Text.Encoding.ASCII.GetString(model[entry], ModelZip.ModelSignatureOffset, 8));
        Assert.Equal(0x00010001u, BitConverter.ToUInt32(model[entry], ModelZip.ModelVerWrittenOffset));
    }

    [Fact]
    public void ExtraBinaryStreamIsSavedBesideTheStageStreamAndReloaded()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable([new WeightRow { Features = [1, 2, 3, 4] }, new WeightRow { Features = [3, 2, 1, 0] }]);
        var transformer = new WeightedSumEstimator(ml, "Features", 4, batchSize: 2).Fit(data);
        using var stream = new MemoryStream();
        ml.Model.Save(transformer, data.Schema, stream);
        var zip = new ModelZip(stream.ToArray());
        var modelKey = zip.FindModelStream("StaTestWeightedSum");
        var weightsEntry = modelKey[..^"Model.key".Length] + WeightedSumTransformer.WeightsEntry;
        Assert.Contains(weightsEntry, zip.EntryNames);
        Assert.Equal(16, zip[weightsEntry].Length);
        Assert.Equal(2f, BitConverter.ToSingle(zip[weightsEntry], 0));

        // A model whose weights entry is missing fails with a message naming it.
        var fresh = new MLContext(seed: 1);
        StaMLNet.RegisterStage<WeightedSumTransformer>(fresh);
        var withoutWeights = RemoveEntry(stream.ToArray(), weightsEntry);
        var error = Assert.ThrowsAny<Exception>(() => fresh.Model.Load(withoutWeights, out _));
        Assert.Contains("'Weights'", Flatten(error));
    }

    [Fact]
    public void ModelFromANewerFormatIsRejectedAsTooNew()
    {
        var (_, _, zip) = SaveClipNormalizer();
        var model = new ModelZip(zip);
        var entry = model.FindModelStream("StaClipNormalizer");
        model.SetUInt32(entry, ModelZip.ModelVerWrittenOffset, 0x00020001);
        model.SetUInt32(entry, ModelZip.ModelVerReadableOffset, 0x00020001);
        var error = Assert.ThrowsAny<Exception>(() => StaMLNet.LoadModel(new MLContext(seed: 1), model.ToStream(), out _));
        Assert.Contains("too new", Flatten(error));
    }

    [Fact]
    public void StreamWithAnotherSignatureIsRejected()
    {
        var (_, _, zip) = SaveClipNormalizer();
        var model = new ModelZip(zip);
        var entry = model.FindModelStream("StaClipNormalizer");
        model.SetBytes(entry, ModelZip.ModelSignatureOffset, "STAXXXXX"u8.ToArray());
        var error = Assert.ThrowsAny<Exception>(() => StaMLNet.LoadModel(new MLContext(seed: 1), model.ToStream(), out _));
        Assert.Contains("Unknown file type", Flatten(error));
    }

    public sealed class WeightRow
    {
        [VectorType(4)] public float[] Features { get; set; } = [];
    }

    internal static string Flatten(Exception error)
    {
        var text = new System.Text.StringBuilder();
        for (var e = error; e is not null; e = e.InnerException) text.Append(e.GetType().Name).Append(": ").AppendLine(e.Message);
        return text.ToString();
    }

    private static MemoryStream RemoveEntry(byte[] zip, string entry)
    {
        var output = new MemoryStream();
        output.Write(zip);
        using (var archive = new System.IO.Compression.ZipArchive(output, System.IO.Compression.ZipArchiveMode.Update, leaveOpen: true))
            archive.GetEntry(entry)!.Delete();
        output.Position = 0;
        return output;
    }
}

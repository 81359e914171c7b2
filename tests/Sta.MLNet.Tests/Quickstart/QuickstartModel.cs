using Microsoft.ML;
using Sta.MLNet;
using Sta.MLNet.Samples.Quickstart;

namespace Sta.MLNet.Tests.Quickstart;

/// <summary>
/// The Quickstart's model, trained here exactly as samples/Quickstart does it (its settings file is compiled into this
/// test project): the tiny network, fully fine-tuned for 40 epochs on real-face clips of Debian's two face photos with
/// a fresh Video-level Blending twin of every clip each epoch. Deterministic: the trainer seeds every draw itself. Also
/// the Quickstart's held-out set: real clips of other camera paths and a VB fake of each. Trained once for every test
/// class of <see cref="QuickstartModelCollection"/>, which then run one after another.
/// </summary>
public sealed class QuickstartModel : IDisposable
{
    private readonly Lazy<IDataView> _heldOut;

    public QuickstartModel()
    {
        DemoSettings.RequirePhotos();
        var ml = new MLContext(seed: 1) { FallbackToCpu = true };
        Context = ml;
        Detector = (StaDetectionTransformer)ml.StaTrainer(DemoSettings.Trainer()).Fit(DemoSettings.TrainingClips(ml));
        _heldOut = new(() => ml.Data.Cache(ml.AddVideoBlendedFakes(DemoSettings.HeldOutRealClips(ml), DemoSettings.HeldOutBlending)));
    }

    public MLContext Context { get; }

    public StaDetectionTransformer Detector { get; }

    /// <summary>The Quickstart's held-out clips (Clip, Label, VideoId, ...): 12 real and their 12 VB fakes.</summary>
    public IDataView HeldOut => _heldOut.Value;

    public void Dispose() => Detector.ReleaseNetwork();
}

/// <summary>The test classes that share one trained <see cref="QuickstartModel"/>.</summary>
[CollectionDefinition(Name)]
public sealed class QuickstartModelCollection : ICollectionFixture<QuickstartModel>
{
    public const string Name = "Quickstart model";
}

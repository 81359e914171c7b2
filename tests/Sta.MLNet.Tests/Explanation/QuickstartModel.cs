using Microsoft.ML;
using Sta.MLNet;
using Sta.MLNet.Samples.Quickstart;

namespace Sta.MLNet.Tests.Explanation;

/// <summary>
/// The Quickstart's model, trained here exactly as samples/Quickstart does it (its settings file is compiled into this
/// test project): the tiny network, fully fine-tuned for 40 epochs on real-face clips of Debian's two face photos with
/// a fresh Video-level Blending twin of every clip each epoch. Deterministic: the trainer seeds every draw itself.
/// </summary>
public sealed class QuickstartModel
{
    public QuickstartModel()
    {
        DemoSettings.RequirePhotos();
        var ml = new MLContext(seed: 1) { FallbackToCpu = true };
        Detector = (StaDetectionTransformer)ml.StaTrainer(DemoSettings.Trainer()).Fit(DemoSettings.TrainingClips(ml));
    }

    public StaDetectionTransformer Detector { get; }
}

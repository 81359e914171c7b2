// Sta.MLNet Quickstart: the whole StA workflow on a laptop CPU, offline, in a few minutes.
//   real-face clips (Debian's face photos + camera motion) -> Video-level Blending fakes -> StaTrainer (tiny network)
//   -> BinaryClassification.Evaluate + video-level metrics -> Save/Load -> score a video file -> pictures.
// Run it with: bash samples/run-quickstart.sh   (installs the Debian packages it needs, then: dotnet run -c Release)
using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Sta.MLNet;
using Sta.MLNet.Samples.Quickstart;

var outputFolder = Path.GetFullPath(args.Length > 0 ? args[0] : "quickstart-output");
Directory.CreateDirectory(outputFolder);
var clock = Stopwatch.StartNew();
DemoSettings.RequirePhotos();

var ml = new MLContext(seed: 1) { FallbackToCpu = true };

// 1. Real-face clips: 8 "videos" per photo for training, 3 other camera paths per photo held out.
Console.WriteLine("1. Making real-face clips from Debian's face photos (astronaut, messi5)...");
var train = DemoSettings.TrainingClips(ml);
var heldOutReal = DemoSettings.HeldOutRealClips(ml);
Console.WriteLine($"   {train.GetRowCount()} training clips, {heldOutReal.GetRowCount()} held-out real clips ({clock.Elapsed.TotalSeconds:F0} s)");

// 2. Train: every real clip gets a fresh Video-level Blending twin (label fake) each epoch - mode (a) of the paper.
Console.WriteLine("2. Training the tiny StA network with Video-level Blending fakes...");
var trainer = ml.StaTrainer(DemoSettings.Trainer(new EpochPrinter()));
var model = trainer.Fit(train);
Console.WriteLine($"   loss {trainer.LastResult!.StepLosses.Take(2).Average():F3} -> {trainer.LastResult.StepLosses.TakeLast(2).Average():F3} ({clock.Elapsed.TotalSeconds:F0} s)");

// 3. Evaluate on held-out videos and their own VB fakes (other seeds than any training twin).
Console.WriteLine("3. Evaluating on held-out videos...");
var heldOut = ml.Data.Cache(ml.AddVideoBlendedFakes(heldOutReal, DemoSettings.HeldOutBlending));
var scored = model.Transform(heldOut);
var metrics = ml.BinaryClassification.Evaluate(scored);
var detection = ml.EvaluateDetection(scored);
Console.WriteLine($"   ML.NET:  AUC {metrics.AreaUnderRocCurve:F3}  accuracy {metrics.Accuracy:F3}  F1 {metrics.F1Score:F3}");
Console.WriteLine($"   clips:   AUC {detection.Clip.Auc:F3}  EER {detection.Clip.Eer:F3}  AP {detection.Clip.AveragePrecision:F3}  ({detection.Clip.Count} clips)");
Console.WriteLine($"   videos:  AUC {detection.Video.Auc:F3}  EER {detection.Video.Eer:F3}  AP {detection.Video.AveragePrecision:F3}  ({detection.Video.Count} videos)");

// 4. Save the fitted model with ML.NET and load it in a fresh context: same scores.
var modelPath = Path.Combine(outputFolder, "sta-quickstart-model.zip");
ml.Model.Save(model, train.Schema, modelPath);
var fresh = new MLContext(seed: 2) { FallbackToCpu = true };
var reloaded = (StaDetectionTransformer)fresh.LoadStaModel(modelPath, out _);
bool identical = scored.GetColumn<float>("Score").SequenceEqual(reloaded.Transform(heldOut).GetColumn<float>("Score"));
Console.WriteLine($"4. Saved {modelPath} ({new FileInfo(modelPath).Length / 1024} KiB); reloaded scores identical: {identical}");

// 5. Score a video file end to end: decode -> detect -> landmarks -> align -> clips -> network -> video score.
var videoPath = Path.Combine(outputFolder, "astronaut-camera.mp4");
DemoVideo.Write(videoPath, DemoSettings.Photos[0].Path);
var scorer = new StaVideoScorer(reloaded, new VideoScoringOptions
{
    // Align straight to the training clips' 32 px, as the photo clips were made (no 256 px intermediate).
    FrontEnd = new FaceClipOptions
    {
        AlignmentSize = DemoSettings.Motion.FaceSize, ClipSize = DemoSettings.Motion.FaceSize, Sampling = ClipSamplingOptions.Consecutive,
    },
});
var video = await scorer.ScoreVideoAsync(videoPath);
Console.WriteLine(video.IsScored
    ? $"5. {Path.GetFileName(videoPath)}: P(fake) = {video.Probability:F3} over {video.Clips.Count} clips; a face was detected in {video.FacesFound} of {video.FacesFound + video.FramesWithoutFace} frames (the others borrow the nearest detection)"
    : $"5. {Path.GetFileName(videoPath)} could not be scored: {video.Error?.Message}");

// 6. Pictures: held-out clips with their scores and the ROC curve; what Video-level Blending does to a clip.
var scoresPicture = Path.Combine(outputFolder, "heldout-scores.png");
StaPictures.WriteScoreSheet(scoresPicture, scored);
var blendPicture = Path.Combine(outputFolder, "video-level-blending.png");
StaPictures.WriteBlendingStrip(blendPicture, ml.LoadPhotoMotionClips(DemoSettings.Videos(0, 1), DemoSettings.Motion with { FaceSize = 224 }), row: 0);
Console.WriteLine($"6. Pictures: {scoresPicture}");
Console.WriteLine($"             {blendPicture}");
Console.WriteLine($"Done in {clock.Elapsed.TotalSeconds:F0} s.");
return detection.Clip.Auc >= 0.5 && identical ? 0 : 1;

/// <summary>Prints one line per finished epoch (the trainer reports every step).</summary>
internal sealed class EpochPrinter : IProgress<StaTrainingProgress>
{
    private int _lastEpoch = -1;

    public void Report(StaTrainingProgress value)
    {
        if (value.Phase != StaTrainingPhase.Training || value.Epoch == _lastEpoch || value.Epoch % 5 != 4 && value.Epoch != 0) return;
        _lastEpoch = value.Epoch;
        Console.WriteLine($"   epoch {value.Epoch + 1}/{value.Epochs}: loss {value.MeanEpochLoss:F3}, {value.ClipsPerSecond:F0} clips/s");
    }
}

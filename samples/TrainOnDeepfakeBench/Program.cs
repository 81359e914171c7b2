// Trains StA as the paper does on DeepfakeBench-preprocessed data and evaluates cross-dataset.
//   dotnet run -c Release --project samples/TrainOnDeepfakeBench -- <FaceForensics++.json> <Celeb-DF-v2.json> <clip-vit-l14 weights> <frames root> [--gpu]
// Data: DeepfakeBench's preprocessed downloads (frames/ + landmarks/ + the dataset JSONs); CLIP: OpenAI's ViT-L/14 visual
// weights (.pth or .safetensors, OpenAI or Hugging Face names). Training: CLIP frozen, adapters trained, Adam 2e-4,
// batch 8, Video-level Blending mode (b) (FF++ real + FF++ fakes + a VB twin of every real clip), clip augmentation.
using Microsoft.ML;
using Sta.MLNet;

if (args.Length < 4)
{
    Console.Error.WriteLine("usage: TrainOnDeepfakeBench <train.json> <test.json> <clip-weights> <frames-root> [--gpu] [--epochs N]");
    return 2;
}
var ml = new MLContext(seed: 1) { FallbackToCpu = true };
if (args.Contains("--gpu")) ml.GpuDeviceId = 0;
int epochs = args.SkipWhile(a => a != "--epochs").Skip(1).Select(int.Parse).DefaultIfEmpty(30).First();

// Clips of 8 consecutive entries of the 32 extracted frames (the DeepfakeBench protocol), aligned 256 px crops resized
// to 224 px, with their landmarks (needed for Video-level Blending).
// Frames are loaded and resized on several threads ahead of the trainer (same clips, same order), so a GPU is not
// left waiting for the disk and the JPEG/PNG decoder.
var source = new VideoClipSourceOptions
{
    FrontEnd = new FaceClipOptions(), Stream = new ClipStreamOptions { DecodeWorkers = Math.Clamp(Environment.ProcessorCount, 1, 8) },
};
var train = ml.LoadDeepfakeBenchClips(args[0], new DeepfakeBenchOptions { Split = DatasetSplit.Train, FrameRoot = args[3] }, source);
var test = ml.LoadDeepfakeBenchClips(args[1], new DeepfakeBenchOptions { Split = DatasetSplit.Test, FrameRoot = args[3] }, source);

var trainer = ml.StaTrainer(new StaTrainer.Options
{
    Network = StaPresets.Official,
    ClipWeightsPath = args[2],
    Epochs = epochs,
    VideoBlending = VideoBlendingMode.RealFakeAndBlended,
    ValidationData = test, // the official code selects the best epoch on the target test set; use a held-out set if you can
    CheckpointDirectory = "sta-checkpoints", // a rerun resumes exactly where a stopped run left off
    Progress = new Progress<StaTrainingProgress>(p => { if (p.StepInEpoch % 50 == 0) Console.WriteLine(p); }),
});
var model = trainer.Fit(train);
ml.Model.Save(model, train.Schema, "sta-ffpp.zip");

var detection = ml.EvaluateDetection(model.Transform(test));
Console.WriteLine($"clip level:  AUC {detection.Clip.Auc:F4}  EER {detection.Clip.Eer:F4}  AP {detection.Clip.AveragePrecision:F4}  ACC {detection.Clip.Accuracy:F4}");
Console.WriteLine($"video level: AUC {detection.Video.Auc:F4}  EER {detection.Video.Eer:F4}  AP {detection.Video.AveragePrecision:F4}  ACC {detection.Video.Accuracy:F4}");
return 0;

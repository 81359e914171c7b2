using System.CommandLine;
using OpenCvSharp;
using Sta.MLNet;
using Sta.MLNet.Cli.Faces;
using Sta.MLNet.Cli.Infrastructure;

namespace Sta.MLNet.Cli.Commands;

/// <summary>
/// <c>sta blend</c>: a visual check of Video-level Blending. From an aligned face image (repeated over the clip's
/// frames, so every frame-to-frame change comes from the per-frame blending draws) or from the first clip of a video
/// (faces aligned by the front end), writes the real/VB/masks/difference strip (PNG) or a preview video (.mp4/.avi).
/// </summary>
internal static class BlendCommand
{
    private static readonly string[] ImageExtensions = [".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"];

    public static Command Create(CliContext context)
    {
        var input = new Argument<string>("input") { Description = "An aligned face image, or a video (its first clip is used)." };
        var output = new Option<string>("--output", "-o") { Description = "The preview: .png (strip) or .mp4/.avi (video).", Required = true };
        var size = new Option<int>("--size") { Description = "Face size in pixels (224: the model's input).", DefaultValueFactory = _ => 224 };
        var frames = new Option<int>("--frames") { Description = "Frames in the clip.", DefaultValueFactory = _ => 8 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the blending draws.", DefaultValueFactory = _ => 0UL };
        var clipIndex = new Option<int>("--clip") { Description = "For a video: which clip of consecutive frames (0 = the first).", DefaultValueFactory = _ => 0 };
        var noDifference = new Option<bool>("--no-difference") { Description = "Leave out the amplified |VB - real| row." };
        var detector = CommonOptions.FaceDetector();
        var landmarks = CommonOptions.LandmarksModel();
        var command = new Command("blend", "Preview Video-level Blending on a face image or a video: PNG strip or video.")
        {
            input, output, size, frames, seed, clipIndex, noDifference, detector, landmarks,
        };
        CommandRunner.SetHandler(command, context, parse =>
        {
            var path = CommonOptions.RequireFile(parse.GetValue(input)!, "Input");
            var outputPath = parse.GetValue(output)!;
            var extension = Path.GetExtension(outputPath).ToLowerInvariant();
            if (extension is not (".png" or ".mp4" or ".avi")) throw new UsageException($"--output must end in .png, .mp4 or .avi; got {outputPath}.");
            var faceSize = parse.GetValue(size);
            var frameCount = parse.GetValue(frames);
            if (faceSize < 32) throw new UsageException("--size must be at least 32.");
            if (frameCount < 1) throw new UsageException("--frames must be at least 1.");
            using var cropper = FaceCropper.Create(CommonOptions.ResolveFaces(parse, detector, landmarks));
            var isImage = ImageExtensions.Contains(Path.GetExtension(path).ToLowerInvariant());
            var (clip, points) = isImage
                ? FromImage(cropper, path, faceSize, frameCount)
                : FromVideo(cropper, path, faceSize, frameCount, parse.GetValue(clipIndex), context.CancellationToken);

            using var blender = new VideoBlender(parse.GetValue(seed), VideoBlendOptions.ForFaceSize(faceSize));
            var preview = new VbPreviewOptions { IncludeDifferenceRow = !parse.GetValue(noDifference) };
            if (extension == ".png")
            {
                VbPreview.WriteStrip(outputPath, blender, clip, points, clipKey: 0, preview);
            }
            else
            {
                var masks = new float[clip.FrameCount * FaceRegions.Count * clip.Height * clip.Width];
                var vb = blender.BlendClip(clip, points, 0, masks);
                VbPreview.WriteVideo(outputPath, clip, vb, masks, preview);
            }
            context.Out.WriteLine($"wrote {outputPath} ({clip.FrameCount} frames of {faceSize}x{faceSize})");
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>An aligned face image: landmarks are found on the image itself, which is then repeated over the clip.</summary>
    private static (RgbClip Clip, float[] Landmarks) FromImage(FaceCropper cropper, string path, int size, int frames)
    {
        using var bgr = Cv2.ImRead(path, ImreadModes.Color);
        if (bgr.Empty()) throw new UsageException($"Not a readable image: {path}");
        using var rgb = new Mat();
        Cv2.CvtColor(bgr, rgb, ColorConversionCodes.BGR2RGB);
        var box = FaceTrackSelector.Largest(cropper.FrontEnd.Detector.Detect(rgb, ChannelOrder.Rgb))
            ?? throw new IOException($"No face found in {path}.");
        var found = cropper.FrontEnd.Predictor.Predict(rgb, box);
        var clip = RgbClip.Zeros(frames, size, size);
        FaceCropper.CopyResized(rgb, size, clip.Frame(0));
        double sx = (double)size / rgb.Width, sy = (double)size / rgb.Height;
        var perFrame = new float[FaceCropper.LandmarkPoints * 2];
        for (var p = 0; p < FaceCropper.LandmarkPoints; p++)
        {
            perFrame[2 * p] = (float)(found.Points[p].X * sx);
            perFrame[2 * p + 1] = (float)(found.Points[p].Y * sy);
        }
        var landmarks = new float[frames * perFrame.Length];
        for (var t = 0; t < frames; t++)
        {
            if (t > 0) clip.Frame(0).CopyTo(clip.Frame(t));
            perFrame.CopyTo(landmarks, t * perFrame.Length);
        }
        return (clip, landmarks);
    }

    /// <summary>One clip of consecutive frames of a video, faces aligned by the front end.</summary>
    private static (RgbClip Clip, float[] Landmarks) FromVideo(FaceCropper cropper, string path, int size, int frames, int clipIndex, CancellationToken cancellationToken)
    {
        using var reader = VideoReader.Open(path);
        var plan = ClipSampler.PlanVideo(reader.Info.FrameCount, ClipSamplingOptions.Consecutive with { FramesPerClip = frames }, path)
            .ThrowIfTooShort(path);
        if (clipIndex < 0 || clipIndex >= plan.Clips.Count)
            throw new UsageException($"--clip {clipIndex} is out of range: {path} has {plan.Clips.Count} clip(s) of {frames} frames.");
        var images = reader.ReadClip(plan.Clips[clipIndex]);
        try
        {
            var crop = cropper.CropClip(images, size, cancellationToken) ?? throw new IOException($"No face found in clip {clipIndex} of {path}.");
            return (new RgbClip(crop.Rgb, frames, size, size), crop.Landmarks);
        }
        finally
        {
            foreach (var image in images) image.Dispose();
        }
    }
}

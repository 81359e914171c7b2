using OpenCvSharp;
using Sta.MLNet;
using Sta.MLNet.Tests.Video;

namespace Sta.MLNet.Tests.Clips;

public class FaceClipExtractorTests
{
    private static readonly FaceClipOptions Consecutive = new() { Sampling = ClipSamplingOptions.Consecutive };

    /// <summary>The clip the extractor makes equals ClipNormalization of the Faces front end's crops (resized 256 -> 224 bicubic).</summary>
    [Theory]
    [InlineData("motion", 1)]
    [InlineData("two-faces", 2)]
    public void ClipEqualsNormalisedFrontEndCrops(string video, int clipIndex)
    {
        var path = video == "motion" ? TestVideos.FaceMotionH264 : FaceClipVideos.TwoFaces;
        // Without the quick first look, the extractor's faces are exactly FaceFrontEnd.ProcessClip's.
        using var extractor = new FaceClipExtractor(Consecutive with { FirstFrameSearchSide = 0 });
        var clip = new float[Consecutive.ClipLength];
        var landmarks = new float[Consecutive.LandmarksLength];
        var info = extractor.ExtractClip(path, clipIndex, clip, landmarks);

        using var reader = VideoReader.Open(path);
        var plan = ClipSampler.PlanVideo(reader.Info.FrameCount, Consecutive.Sampling, path);
        Assert.Equal(plan.Clips.Count, info.ClipCount);
        Assert.Equal(plan.Clips[clipIndex][0], info.FirstFrame);
        var frames = reader.ReadClip(plan.Clips[clipIndex]);
        using var detector = new CascadeFaceDetector();
        var frontEnd = new FaceFrontEnd(detector, DlibShapePredictor.FromFile(), new FaceAligner(new FaceAlignmentOptions { OutputSize = 256 }),
            options: Consecutive.FaceSearch);
        using var faces = frontEnd.ProcessClip(frames, ChannelOrder.Rgb);
        foreach (var frame in frames) frame.Dispose();

        Assert.Equal(8, info.FacesFound);
        Assert.Equal(0, info.FramesWithoutFace);
        var expected = new float[clip.Length];
        var bytes = new byte[224 * 224 * 3];
        for (var t = 0; t < 8; t++)
        {
            var face = faces.Frames[t]!;
            if (video == "two-faces")
                Assert.True(face.Box.Center.X < 320, $"frame {t} followed the small face at {face.Box}");
            using var resized = new Mat();
            Cv2.Resize(face.Aligned.Image, resized, new Size(224, 224), 0, 0, InterpolationFlags.Cubic);
            resized.GetArray(out Vec3b[] pixels);
            for (var i = 0; i < pixels.Length; i++)
                (bytes[3 * i], bytes[3 * i + 1], bytes[3 * i + 2]) = (pixels[i].Item0, pixels[i].Item1, pixels[i].Item2);
            ClipNormalization.Normalize(bytes, expected.AsSpan(t * 3 * 224 * 224, 3 * 224 * 224), 1, 224, 224);
            for (var p = 0; p < 68; p++)
            {
                Assert.Equal((float)(face.CropLandmarks[p].X * 224 / 256), landmarks[(t * 68 + p) * 2]);
                Assert.Equal((float)(face.CropLandmarks[p].Y * 224 / 256), landmarks[(t * 68 + p) * 2 + 1]);
            }
        }
        Assert.Equal(expected, clip);
        // The nose tip (30) sits near its template position in every frame: the face is aligned, not just cropped.
        for (var t = 0; t < 8; t++)
        {
            var (x, y) = (landmarks[(t * 68 + 30) * 2], landmarks[(t * 68 + 30) * 2 + 1]);
            Assert.InRange(x, 112 - 10, 112 + 10);
            Assert.InRange(y, 136 - 10, 136 + 10);
        }
    }

    [Theory]
    [InlineData("motion")]
    [InlineData("two-faces")]
    [InlineData("gaps")]
    public void QuickFirstLookFindsTheSameFacesAsTheFullSearch(string video)
    {
        var path = video switch { "motion" => TestVideos.FaceMotionH264, "two-faces" => FaceClipVideos.TwoFaces, _ => FaceClipVideos.WithFaceGaps };
        using var quick = new FaceClipExtractor(Consecutive);
        using var full = new FaceClipExtractor(Consecutive with { FirstFrameSearchSide = 0 });
        using var reader = VideoReader.Open(path);
        var plan = ClipSampler.PlanVideo(reader.Info.FrameCount, Consecutive.Sampling, path);
        foreach (var indices in plan.Clips)
        {
            var frames = reader.ReadClip(indices);
            try
            {
                using var a = quick.AlignClip(frames);
                using var b = full.AlignClip(frames);
                Assert.Equal(b.Faces.Frames.Select(f => f.Detected), a.Faces.Frames.Select(f => f.Detected));
                for (var t = 0; t < frames.Length; t++)
                {
                    if (a.Faces.Frames[t].Box is not { } boxA) { Assert.Null(b.Faces.Frames[t].Box); continue; }
                    // The same face, possibly at another cascade scale (boxes of one face vary by ~15% in size); what
                    // matters downstream is that the landmarks, hence the alignment, agree.
                    var overlap = boxA.IntersectionOverUnion(b.Faces.Frames[t].Box!.Value);
                    Assert.True(overlap >= 0.5, $"clip at frame {indices[0]}, frame {t}: boxes {boxA} and {b.Faces.Frames[t].Box} overlap {overlap:F2}");
                    var (noseA, noseB) = (a.Frames[t]!.Landmarks.Points[30], b.Frames[t]!.Landmarks.Points[30]);
                    var distance = Math.Sqrt((noseA.X - noseB.X) * (noseA.X - noseB.X) + (noseA.Y - noseB.Y) * (noseA.Y - noseB.Y));
                    Assert.True(distance <= 0.06 * boxA.Width, $"clip at frame {indices[0]}, frame {t}: nose tips {noseA} and {noseB} are {distance:F1} px apart");
                }
            }
            finally
            {
                foreach (var frame in frames) frame.Dispose();
            }
        }
    }

    [Fact]
    public void FramesWithoutFaceBorrowAndAreCounted()
    {
        // Clip 1 of the consecutive protocol covers frames 8..15, four of them black.
        using var extractor = new FaceClipExtractor(Consecutive);
        var clip = new float[Consecutive.ClipLength];
        var landmarks = new float[Consecutive.LandmarksLength];
        var info = extractor.ExtractClip(FaceClipVideos.WithFaceGaps, 1, clip, landmarks);
        Assert.Equal(8, info.FirstFrame);
        Assert.Equal(4, info.FramesWithoutFace);
        Assert.Equal(4, info.FacesFound);
        Assert.False(info.IsFaceless);
        // A black frame aligned with a borrowed box is still black: its normalised values are those of 0.
        var black = -ClipNormalization.ClipMean[0] / ClipNormalization.ClipStd[0];
        var frame = 3; // frame 11
        Assert.All(clip.AsSpan(frame * 3 * 224 * 224, 224 * 224).ToArray(), v => Assert.Equal(black, v, 5));
        // Landmarks of the borrowed frames are real numbers inside the crop.
        Assert.All(landmarks, v => Assert.InRange(v, -50, 274));
    }

    [Fact]
    public void FacelessClipIsRejectedOrEmittedBlack()
    {
        using (var extractor = new FaceClipExtractor(Consecutive))
        {
            var error = Assert.Throws<FacelessClipException>(() =>
                extractor.ExtractClip(FaceClipVideos.NoFace, 0, new float[Consecutive.ClipLength], new float[Consecutive.LandmarksLength]));
            Assert.Equal(FaceClipVideos.NoFace, error.Path);
            Assert.Contains("No face", error.Message);
        }
        var emit = Consecutive with { FacelessClips = FacelessClipHandling.EmitBlack };
        using (var extractor = new FaceClipExtractor(emit))
        {
            var clip = new float[emit.ClipLength];
            var landmarks = new float[emit.LandmarksLength];
            landmarks.AsSpan().Fill(7);
            var info = extractor.ExtractClip(FaceClipVideos.NoFace, 2, clip, landmarks);
            Assert.True(info.IsFaceless);
            Assert.Equal(0, info.FacesFound);
            Assert.Equal(8, info.FramesWithoutFace);
            Assert.All(landmarks, v => Assert.Equal(0, v));
            Assert.Equal(-ClipNormalization.ClipMean[2] / ClipNormalization.ClipStd[2], clip[2 * 224 * 224], 5);
        }
    }

    [Fact]
    public void BadInputsRaiseTypedErrors()
    {
        using var extractor = new FaceClipExtractor(Consecutive);
        var clip = new float[Consecutive.ClipLength];
        var landmarks = new float[Consecutive.LandmarksLength];
        Assert.ThrowsAny<VideoDecodeException>(() => extractor.ExtractClip("/nonexistent/video.mp4", 0, clip, landmarks));
        Assert.ThrowsAny<VideoDecodeException>(() => extractor.ExtractClip(TestVideos.TextFileNamedMp4, 0, clip, landmarks));
        Assert.ThrowsAny<VideoDecodeException>(() => extractor.ExtractClip(TestVideos.EmptyFile, 0, clip, landmarks));
        Assert.Throws<VideoTooShortException>(() => extractor.ExtractClip(TestVideos.ThreeFrameH264, 0, clip, landmarks));
        var outOfRange = Assert.Throws<ClipIndexOutOfRangeException>(() => extractor.ExtractClip(TestVideos.FaceMotionH264, 6, clip, landmarks));
        Assert.Equal(6, outOfRange.ClipCount);
        // The truncated file opens and delivers only its first frames: every planned clip either decodes or fails with
        // a decode error, and the first clip decodes.
        var plan = extractor.PlanVideo(TestVideos.TruncatedWithIndex);
        var outcomes = Enumerable.Range(0, plan.Clips.Count).Select(c => Record.Exception(() =>
            extractor.ExtractClip(TestVideos.TruncatedWithIndex, plan, c, clip, landmarks))).ToList();
        Assert.Null(outcomes[0]);
        Assert.All(outcomes, e => Assert.True(e is null or VideoDecodeException, $"unexpected {e}"));
        Assert.Throws<ArgumentException>(() => extractor.ExtractClip(TestVideos.FaceMotionH264, 0, new float[10], landmarks));
    }

    [Fact]
    public void MissingModelFileNamesThePackage()
    {
        using var extractor = new FaceClipExtractor(Consecutive with { ShapePredictorPath = "/nonexistent/shape_predictor_68_face_landmarks.dat" });
        var error = Assert.Throws<FaceModelNotFoundException>(() =>
            extractor.ExtractClip(TestVideos.FaceMotionH264, 0, new float[Consecutive.ClipLength], new float[Consecutive.LandmarksLength]));
        Assert.Contains("libdlib-data", error.Message);
    }
}

using Microsoft.ML;
using Microsoft.ML.Data;
using OpenCvSharp;

namespace Sta.MLNet;

/// <summary>
/// Visual check of Video-level Blending: a PNG strip (columns = frames; rows = real frames, VB frames, the four
/// masks in colour over the real frame, optionally the amplified |VB - real|) or a video with the same rows stacked
/// per frame. Mask colours: eyes red, nose green, mouth blue, brows yellow.
/// </summary>
internal static class VbPreview
{
    private static readonly (byte R, byte G, byte B)[] MaskColors =
    [
        (255, 40, 40), // eyes
        (40, 220, 40), // nose
        (40, 90, 255), // mouth
        (255, 220, 0), // brows
    ];

    /// <summary>
    /// Blends the clip of row <paramref name="row"/> of <paramref name="clips"/> and writes the strip to
    /// <paramref name="path"/> (PNG recommended: lossless). The data view needs a CLIP-normalised clip column
    /// [T, 3, H, W] and a landmarks column [T, 68, 2] in the clip's pixels, as <c>LoadPhotoMotionClips</c> and
    /// <c>LoadDeepfakeBenchClips</c> give. The blend is the one Video-level Blending draws for <paramref name="seed"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has the wrong shape, or the data view has
    /// no row <paramref name="row"/>.</exception>
    /// <exception cref="IOException">OpenCV could not write the file.</exception>
    public static void WriteStrip(string path, IDataView clips, long row = 0, ulong seed = 7, VideoBlendOptions? options = null,
        string clipColumnName = "Clip", string landmarksColumnName = "Landmarks")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(clips);
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        var (clipColumn, frames, height, width) = NormalizedClipColumn.Require(clips.Schema, clipColumnName, nameof(clips));
        var landmarksColumn = clips.Schema.GetColumnOrNull(landmarksColumnName)
            ?? throw new ArgumentOutOfRangeException(nameof(clips), $"Could not find column '{landmarksColumnName}'.");
        if (landmarksColumn.Type is not VectorDataViewType { ItemType: var landmarkItem } landmarkType || landmarkItem != NumberDataViewType.Single
            || landmarkType.Size != frames * VideoBlendOptions.LandmarkCount * 2)
            throw new ArgumentOutOfRangeException(nameof(clips),
                $"Column '{landmarksColumnName}' must be Vector<Single> [{frames}, {VideoBlendOptions.LandmarkCount}, 2]; got {landmarksColumn.Type}.");

        using var cursor = clips.GetRowCursor([clipColumn, landmarksColumn]);
        var clipGetter = cursor.GetGetter<VBuffer<float>>(clipColumn);
        var landmarksGetter = cursor.GetGetter<VBuffer<float>>(landmarksColumn);
        for (long position = 0; position <= row; position++)
            if (!cursor.MoveNext()) throw new ArgumentOutOfRangeException(nameof(row), $"The data view has {position} row(s); row {row} was asked for.");
        VBuffer<float> clip = default, landmarks = default;
        clipGetter(ref clip);
        landmarksGetter(ref landmarks);
        var real = NormalizedClipColumn.ToRgb(clip, frames, height, width);
        using var blender = new VideoBlender(seed, options);
        WriteStrip(path, blender, real, landmarks.DenseValues().ToArray(), clipKey: row + 1);
    }

    /// <summary>Blends <paramref name="real"/> with <paramref name="blender"/> and writes the strip to
    /// <paramref name="path"/> (PNG); returns the VB clip.</summary>
    internal static RgbClip WriteStrip(string path, VideoBlender blender, RgbClip real, float[] landmarks, long clipKey, VbPreviewOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(blender);
        ArgumentNullException.ThrowIfNull(real);
        var masks = new float[real.FrameCount * FaceRegions.Count * real.Height * real.Width];
        var vb = blender.BlendClip(real, landmarks, clipKey, masks);
        WriteStrip(path, real, vb, masks, options);
        return vb;
    }

    /// <summary>Writes the strip of an already blended clip; <paramref name="masks"/> is [T, 4, H, W] as produced by
    /// <see cref="VideoBlender.BlendClip(RgbClip, float[], long, float[])"/>. The format follows the extension (PNG
    /// recommended: lossless).</summary>
    internal static void WriteStrip(string path, RgbClip real, RgbClip vb, ReadOnlySpan<float> masks, VbPreviewOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var rgb = RenderStrip(real, vb, masks, options);
        using var bgr = new Mat();
        Cv2.CvtColor(rgb, bgr, ColorConversionCodes.RGB2BGR);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        if (!Cv2.ImWrite(path, bgr)) throw new IOException($"OpenCV could not write the preview image {path} (unsupported extension?).");
    }

    /// <summary>Writes a video, one output frame per clip frame with the rows stacked vertically. ".mp4" uses the
    /// mp4v codec, ".avi" MJPG (the bundled OpenCV cannot write H.264).</summary>
    internal static void WriteVideo(string path, RgbClip real, RgbClip vb, ReadOnlySpan<float> masks, VbPreviewOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        options ??= new VbPreviewOptions();
        var extension = Path.GetExtension(path).ToLowerInvariant();
        var fourcc = extension switch
        {
            ".mp4" => FourCC.MP4V,
            ".avi" => FourCC.MJPG,
            _ => throw new ArgumentException($"Preview videos must end in .mp4 or .avi; got {path}.", nameof(path)),
        };
        using var strip = RenderStrip(real, vb, masks, options);
        var rows = strip.Rows / real.Height;
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        using var writer = new VideoWriter(path, fourcc, options.VideoFramesPerSecond, new Size(real.Width, rows * real.Height));
        if (!writer.IsOpened()) throw new IOException($"OpenCV could not open a video writer for {path}.");
        using var frame = new Mat(rows * real.Height, real.Width, MatType.CV_8UC3);
        using var bgr = new Mat();
        for (var t = 0; t < real.FrameCount; t++)
        {
            for (var r = 0; r < rows; r++)
            {
                using var tile = new Mat(strip, new Rect(t * real.Width, r * real.Height, real.Width, real.Height));
                using var target = new Mat(frame, new Rect(0, r * real.Height, real.Width, real.Height));
                tile.CopyTo(target);
            }
            Cv2.CvtColor(frame, bgr, ColorConversionCodes.RGB2BGR);
            writer.Write(bgr);
        }
    }

    /// <summary>The strip as an RGB Mat (caller disposes): width T x W, height 3 or 4 rows of H.</summary>
    internal static unsafe Mat RenderStrip(RgbClip real, RgbClip vb, ReadOnlySpan<float> masks, VbPreviewOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(real);
        ArgumentNullException.ThrowIfNull(vb);
        options ??= new VbPreviewOptions();
        if (vb.FrameCount != real.FrameCount || vb.Height != real.Height || vb.Width != real.Width)
            throw new ArgumentException($"Real ({real.FrameCount}x{real.Height}x{real.Width}) and VB ({vb.FrameCount}x{vb.Height}x{vb.Width}) clips differ in shape.", nameof(vb));
        int frames = real.FrameCount, height = real.Height, width = real.Width, plane = height * width;
        if (masks.Length != frames * FaceRegions.Count * plane)
            throw new ArgumentException($"Masks must be [T, 4, H, W] = {frames * FaceRegions.Count * plane} floats; got {masks.Length}.", nameof(masks));
        var rows = options.IncludeDifferenceRow ? 4 : 3;
        var strip = new Mat(rows * height, frames * width, MatType.CV_8UC3, Scalar.All(0));
        var stride = (int)strip.Step();
        var data = (byte*)strip.Data;
        for (var t = 0; t < frames; t++)
        {
            var r = real.Frame(t);
            var v = vb.Frame(t);
            var m = masks.Slice(t * FaceRegions.Count * plane, FaceRegions.Count * plane);
            for (var y = 0; y < height; y++)
            {
                for (var x = 0; x < width; x++)
                {
                    var p = y * width + x;
                    var column = (t * width + x) * 3;
                    byte* Pixel(int row) => data + (row * height + y) * stride + column;
                    var real0 = Pixel(0);
                    var vb1 = Pixel(1);
                    var overlay = Pixel(2);
                    float alphaSum = 0, cr = 0, cg = 0, cb = 0;
                    for (var k = 0; k < FaceRegions.Count; k++)
                    {
                        var a = options.MaskOpacity * m[k * plane + p];
                        alphaSum += a;
                        cr += a * MaskColors[k].R;
                        cg += a * MaskColors[k].G;
                        cb += a * MaskColors[k].B;
                    }
                    var keep = 1f - Math.Min(alphaSum, 1f);
                    var norm = alphaSum > 1f ? 1f / alphaSum : 1f;
                    var diff = 0;
                    for (var c = 0; c < 3; c++)
                    {
                        real0[c] = r[3 * p + c];
                        vb1[c] = v[3 * p + c];
                        var colour = c == 0 ? cr : c == 1 ? cg : cb;
                        overlay[c] = (byte)Math.Clamp(keep * r[3 * p + c] + norm * colour + 0.5f, 0f, 255f);
                        diff = Math.Max(diff, Math.Abs(v[3 * p + c] - r[3 * p + c]));
                    }
                    if (options.IncludeDifferenceRow)
                    {
                        var d = Pixel(3);
                        d[0] = d[1] = d[2] = (byte)Math.Clamp(diff * options.DifferenceGain, 0f, 255f);
                    }
                }
            }
        }
        if (options.Labels)
        {
            string[] labels = ["real", "VB", "masks", $"|VB-real| x{options.DifferenceGain:0.#}"];
            for (var row = 0; row < rows; row++)
            {
                var origin = new Point(4, row * height + 14);
                Cv2.PutText(strip, labels[row], origin, HersheyFonts.HersheySimplex, 0.45, Scalar.All(0), 3, LineTypes.AntiAlias);
                Cv2.PutText(strip, labels[row], origin, HersheyFonts.HersheySimplex, 0.45, Scalar.All(255), 1, LineTypes.AntiAlias);
            }
        }
        return strip;
    }
}

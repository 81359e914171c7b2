using Microsoft.ML.Data;
using OpenCvSharp;
using Sta.MLNet;
using Sta.MLNet.Tests.Blending;

namespace Sta.MLNet.Tests.Data;

/// <summary>A row of a small clip data set (4 frames, 64 px) as ML.NET sees it.</summary>
public sealed class SmallClipRow
{
    private float[] _clip = [];

    /// <summary>Counts reads of <see cref="Clip"/> (ML.NET reads a property only when the column's getter is called).</summary>
    [NoColumn]
    public System.Runtime.CompilerServices.StrongBox<int>? Reads { get; set; }

    [VectorType(4, 3, 64, 64)]
    public float[] Clip
    {
        get { if (Reads is { } reads) Interlocked.Increment(ref reads.Value); return _clip; }
        set => _clip = value;
    }

    [VectorType(4, 68, 2)]
    public float[] Landmarks { get; set; } = [];

    public bool Label { get; set; }

    public string VideoId { get; set; } = "";

    public int Tag { get; set; }
}

internal static class BlendingRows
{
    public const int Frames = 4;
    public const int Size = 64;

    /// <summary>
    /// Rows made from the aligned astronaut fixture resized to 64 px, each a little brighter than the last so that rows
    /// differ; labels real, fake, real, fake, ... (row i fake when i is odd).
    /// </summary>
    public static List<SmallClipRow> Make(int count)
    {
        var (clip, landmarks) = AstronautClip.Load(1);
        using var full = Mat.FromPixelData(clip.Height, clip.Width, MatType.CV_8UC3, clip.Pixels);
        using var small = new Mat();
        Cv2.Resize(full, small, new Size(Size, Size), interpolation: InterpolationFlags.Area);
        var frame = new byte[Size * Size * 3];
        small.GetArray(out Vec3b[] pixels);
        for (int i = 0; i < pixels.Length; i++) (frame[3 * i], frame[3 * i + 1], frame[3 * i + 2]) = (pixels[i].Item0, pixels[i].Item1, pixels[i].Item2);
        var scale = (float)Size / clip.Width;
        var points = landmarks.Take(136).Select(v => v * scale).ToArray();
        var rows = new List<SmallClipRow>();
        for (int r = 0; r < count; r++)
        {
            var bytes = new byte[Frames * frame.Length];
            for (int t = 0; t < Frames; t++)
                for (int i = 0; i < frame.Length; i++)
                    bytes[t * frame.Length + i] = (byte)Math.Min(255, frame[i] + 3 * r + t);
            var normalised = new float[bytes.Length];
            ClipNormalization.Normalize(bytes, normalised, Frames, Size, Size);
            rows.Add(new SmallClipRow
            {
                Clip = normalised,
                Landmarks = Enumerable.Range(0, Frames).SelectMany(_ => points).ToArray(),
                Label = r % 2 == 1,
                VideoId = $"video{r}",
                Tag = r,
            });
        }
        return rows;
    }
}

using OpenCvSharp;

namespace Sta.MLNet.Samples.Quickstart;

/// <summary>Writes a short video of a photo seen by a slowly moving, zooming camera (something real to score).</summary>
internal static class DemoVideo
{
    public static void Write(string path, string photoPath, int frames = 48, int size = 360)
    {
        using var photo = Cv2.ImRead(photoPath, ImreadModes.Color);
        if (photo.Empty()) throw new FileNotFoundException($"Cannot read {photoPath}.", photoPath);
        using var writer = new VideoWriter(path, FourCC.MP4V, 25, new Size(size, size));
        if (!writer.IsOpened()) throw new InvalidOperationException($"Cannot write {path} (OpenCV's mp4v encoder).");
        using var frame = new Mat();
        var centre = new Point2f(photo.Width / 2f, photo.Height / 2f);
        for (int t = 0; t < frames; t++)
        {
            double phase = 2 * Math.PI * t / frames;
            // A gentle pan and zoom so that every frame differs, as in a handheld shot.
            using var transform = Cv2.GetRotationMatrix2D(centre, 2 * Math.Sin(phase), 1.0 + 0.05 * Math.Sin(phase));
            transform.Set(0, 2, transform.Get<double>(0, 2) + 6 * Math.Cos(phase) - (photo.Width - size) / 2.0);
            transform.Set(1, 2, transform.Get<double>(1, 2) + 4 * Math.Sin(phase) - (photo.Height - size) / 2.0);
            Cv2.WarpAffine(photo, frame, transform, new Size(size, size), InterpolationFlags.Linear, BorderTypes.Reflect101);
            writer.Write(frame);
        }
    }
}

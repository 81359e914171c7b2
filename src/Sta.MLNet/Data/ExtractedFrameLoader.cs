using OpenCvSharp;

namespace Sta.MLNet;

/// <summary>
/// Loads DeepfakeBench's pre-extracted face crops and their landmarks the way its dataset does (docs/design.md, "Frame loading"): the
/// 256x256 BGR PNG is read, converted to RGB and resized to the model size with bicubic interpolation; landmarks
/// (dlib 81 or 68 points, 256-px crop coordinates) are scaled by modelSize / 256.
/// </summary>
internal static class ExtractedFrameLoader
{
    /// <summary>Side of DeepfakeBench's stored crops, in pixels.</summary>
    public const int StoredCropSize = 256;

    /// <summary>Side of the model input, in pixels.</summary>
    public const int ModelInputSize = 224;

    /// <summary>
    /// Reads a frame image as an 8-bit RGB <see cref="Mat"/> of <paramref name="size"/> x <paramref name="size"/>
    /// pixels (default 224; bicubic resize, skipped when the image already has that size). The caller disposes it.
    /// </summary>
    /// <exception cref="DatasetFileMissingException">The file does not exist.</exception>
    /// <exception cref="DatasetFormatException">The file is not a decodable image.</exception>
    public static Mat LoadFrame(string path, int size = ModelInputSize)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        if (!File.Exists(path))
            throw new DatasetFileMissingException(path);
        var image = Cv2.ImRead(path, ImreadModes.Color);
        if (image.Empty())
        {
            image.Dispose();
            throw new DatasetFormatException(path, "Not a decodable image");
        }
        Cv2.CvtColor(image, image, ColorConversionCodes.BGR2RGB);
        if (image.Width == size && image.Height == size)
            return image;
        var resized = new Mat();
        Cv2.Resize(image, resized, new Size(size, size), 0, 0, InterpolationFlags.Cubic);
        image.Dispose();
        return resized;
    }

    /// <summary>
    /// Reads a landmark .npy file (shape [81, 2] or [68, 2], (x, y) per row, any supported dtype) and scales the
    /// points by <paramref name="targetSize"/> / <paramref name="sourceSize"/> (default 224 / 256).
    /// </summary>
    /// <exception cref="DatasetFileMissingException">The file does not exist.</exception>
    /// <exception cref="DatasetFormatException">Not a .npy file, or not of shape [81, 2] / [68, 2].</exception>
    public static Point2f[] LoadLandmarks(string path, int sourceSize = StoredCropSize, int targetSize = ModelInputSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sourceSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(targetSize, 1);
        var array = NpyFile.Read(path);
        if (array.Shape.Count != 2 || array.Shape[1] != 2 || array.Shape[0] is not (81 or 68))
            throw new DatasetFormatException(path,
                $"Landmarks must have shape [81, 2] or [68, 2]; this file has [{string.Join(", ", array.Shape)}]");
        var scale = (double)targetSize / sourceSize;
        var points = new Point2f[array.Shape[0]];
        for (var i = 0; i < points.Length; i++)
            points[i] = new Point2f((float)(array[i, 0] * scale), (float)(array[i, 1] * scale));
        return points;
    }
}

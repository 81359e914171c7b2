using OpenCvSharp;
using Sta.MLNet;
using Sta.MLNet.Tests.Fixtures;
using Sta.MLNet.Tests.Video;

namespace Sta.MLNet.Tests.Data;

public sealed class ExtractedFrameLoaderTests
{
    private static string AlignedCrop => Path.Combine(FixturePaths.Fixture("preprocess"), "astronaut.align256.png");

    /// <summary>
    /// Expected values from python3-opencv 4.6 doing DeepfakeBench's steps (imread, BGR to RGB, bicubic resize to
    /// 224), tests/reference/frame_loading_reference.py. OpenCV 4.13's bicubic resize differs from 4.6's by at most
    /// one grey level on some pixels (measured: (183, 161, 120) became (182, 160, 120)), hence the tolerance of 1.
    /// </summary>
    [Fact]
    public void Frames_load_like_DeepfakeBench_as_224_pixel_RGB()
    {
        using var frame = ExtractedFrameLoader.LoadFrame(AlignedCrop);
        Assert.Equal(MatType.CV_8UC3, frame.Type());
        Assert.Equal(new Size(224, 224), frame.Size());
        AssertPixel(frame, 0, 0, 195, 185, 186);
        AssertPixel(frame, 50, 120, 183, 161, 120);
        AssertPixel(frame, 112, 112, 228, 196, 170);
        AssertPixel(frame, 200, 30, 0, 0, 0);
        AssertPixel(frame, 223, 223, 232, 221, 218);
        var mean = Cv2.Mean(frame);
        Assert.Equal(161.773796, mean.Val0, 0.05);
        Assert.Equal(143.450036, mean.Val1, 0.05);
        Assert.Equal(124.380202, mean.Val2, 0.05);
    }

    private static void AssertPixel(Mat frame, int y, int x, int r, int g, int b)
    {
        var pixel = frame.At<Vec3b>(y, x);
        Assert.True(Math.Abs(pixel.Item0 - r) <= 1 && Math.Abs(pixel.Item1 - g) <= 1 && Math.Abs(pixel.Item2 - b) <= 1,
            $"pixel ({y}, {x}) is ({pixel.Item0}, {pixel.Item1}, {pixel.Item2}), expected ({r}, {g}, {b}) +-1");
    }

    [Fact]
    public void A_frame_already_at_the_target_size_is_only_converted_to_RGB()
    {
        using var frame = ExtractedFrameLoader.LoadFrame(AlignedCrop, 256);
        using var bgr = Cv2.ImRead(AlignedCrop);
        Assert.Equal(bgr.At<Vec3b>(128, 100).Item2, frame.At<Vec3b>(128, 100).Item0);
        Assert.Equal(bgr.At<Vec3b>(128, 100).Item0, frame.At<Vec3b>(128, 100).Item2);
    }

    [Fact]
    public void Missing_and_undecodable_frames_are_typed_errors_with_the_path()
    {
        var folder = TestVideos.NewScratchFolder("frames");
        var missing = Path.Combine(folder, "000.png");
        Assert.Equal(missing, Assert.Throws<DatasetFileMissingException>(() => ExtractedFrameLoader.LoadFrame(missing)).Path);
        var text = Path.Combine(folder, "001.png");
        File.WriteAllText(text, "not an image");
        Assert.Equal(text, Assert.Throws<DatasetFormatException>(() => ExtractedFrameLoader.LoadFrame(text)).Path);
    }

    [Theory]
    [InlineData((int)NpyElementType.Int32, 81)]
    [InlineData((int)NpyElementType.Int64, 81)]
    [InlineData((int)NpyElementType.Float32, 68)]
    [InlineData((int)NpyElementType.Float64, 68)]
    public void Landmarks_are_scaled_from_256_to_224_pixels(int elementType, int points)
    {
        // The theory takes the value as int: the enum is internal and a public test method cannot expose it.
        var type = (NpyElementType)elementType;
        var path = Path.Combine(TestVideos.NewScratchFolder("landmarks"), "000.npy");
        var values = Enumerable.Range(0, points).SelectMany(i => new double[] { 2 * i + 1, 255 - i }).ToArray();
        NpyFile.Write(path, new NpyArray(type, [points, 2], values));
        var landmarks = ExtractedFrameLoader.LoadLandmarks(path);
        Assert.Equal(points, landmarks.Length);
        for (var i = 0; i < points; i++)
            Assert.Equal(new Point2f((float)((2 * i + 1) * 0.875), (float)((255 - i) * 0.875)), landmarks[i]);
    }

    [Fact]
    public void Landmark_files_of_the_wrong_shape_are_rejected()
    {
        var path = Path.Combine(TestVideos.NewScratchFolder("landmarks"), "000.npy");
        NpyFile.Write(path, new NpyArray(NpyElementType.Int64, [5, 2], new double[10]));
        var error = Assert.Throws<DatasetFormatException>(() => ExtractedFrameLoader.LoadLandmarks(path));
        Assert.Equal(path, error.Path);
        Assert.Contains("[5, 2]", error.Message);
        NpyFile.Write(path, new NpyArray(NpyElementType.Int64, [81, 3], new double[243]));
        Assert.Throws<DatasetFormatException>(() => ExtractedFrameLoader.LoadLandmarks(path));
    }
}

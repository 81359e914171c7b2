using Microsoft.ML;
using Sta.MLNet;
using Sta.MLNet.Tests.Data;

namespace Sta.MLNet.Tests.Metrics;

public sealed class ClipScoreSheetTests
{
    private static RgbClip Clip(byte shade) => new(Enumerable.Repeat(shade, 4 * 16 * 16 * 3).ToArray(), 4, 16, 16);

    [Fact]
    public void RowsShowFramesCaptionsAndABarAndTheRocPanelAppearsWithBothClasses()
    {
        ScoredClip[] clips =
        [
            new(Clip(200), 0.9f, true, "fake_a"),
            new(Clip(100), 0.2f, false, "real_a"),
            new(Clip(50), 0.7f, false, "real_b"),
        ];
        var options = new ClipScoreSheetOptions { FramesShown = 2, TileSize = 32 };
        using var withRoc = ClipScoreSheet.Render(clips, options);
        using var withoutRoc = ClipScoreSheet.Render(clips, options with { IncludeRoc = false });
        Assert.True(withRoc.Width > withoutRoc.Width);
        Assert.True(withoutRoc.Height >= 3 * 32);

        // The first row's first thumbnail holds the clip's pixels (shade 200) at its position.
        var row = 22 + 10;
        var column = 6 + 170 + 10;
        var pixel = withoutRoc.At<OpenCvSharp.Vec3b>(row, column);
        Assert.Equal((byte)200, pixel.Item0);

        // Row frames: the misclassified real clip (0.7 > 0.5) is framed red, the others green (RGB sheet).
        var wrong = withoutRoc.At<OpenCvSharp.Vec3b>(22 + 2 * (44 + 6) + 10, 6 - 3);
        var right = withoutRoc.At<OpenCvSharp.Vec3b>(22 + 10, 6 - 3);
        Assert.True(wrong.Item0 > 200 && wrong.Item1 < 100, $"wrong row frame {wrong}");
        Assert.True(right.Item1 > 150 && right.Item0 < 100, $"right row frame {right}");
    }

    [Fact]
    public void ScoredClipsAreReadBackFromADataViewAsTheirBytes()
    {
        var ml = new MLContext(seed: 1);
        var rows = BlendingRows.Make(3);
        var data = ml.Data.LoadFromEnumerable(rows.Select((r, i) => new ScoredRow { Clip = r.Clip, Label = r.Label, VideoId = r.VideoId, Probability = 0.25f * i }));
        var clips = ClipScoreSheet.ReadScoredClips(data, maxRows: 2);
        Assert.Equal(2, clips.Count);
        Assert.Equal("video1", clips[1].Title);
        Assert.Equal(true, clips[1].Label);
        Assert.Equal(0.25f, clips[1].Probability);
        var bytes = new byte[rows[0].Clip.Length];
        ClipNormalization.Denormalize(rows[0].Clip, bytes, 4, 64, 64);
        Assert.Equal(bytes, clips[0].Frames.Pixels);

        var path = Path.Combine(Directory.CreateTempSubdirectory("sta-sheet-").FullName, "sheet.png");
        try
        {
            ClipScoreSheet.Write(path, clips);
            using var image = OpenCvSharp.Cv2.ImRead(path);
            Assert.False(image.Empty());
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    [Fact]
    public void BadInputIsRejected()
    {
        Assert.Throws<ArgumentException>(() => ClipScoreSheet.Render([]));
        var error = Assert.Throws<ArgumentException>(() => ClipScoreSheet.Render([new ScoredClip(Clip(1), 1.5f, null, "x")]));
        Assert.Contains("'x'", error.Message);
        var ml = new MLContext();
        var noProbability = ml.Data.LoadFromEnumerable(BlendingRows.Make(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ClipScoreSheet.ReadScoredClips(noProbability));
    }

    private sealed class ScoredRow
    {
        [Microsoft.ML.Data.VectorType(4, 3, 64, 64)]
        public float[] Clip { get; set; } = [];
        public bool Label { get; set; }
        public string VideoId { get; set; } = "";
        public float Probability { get; set; }
    }
}

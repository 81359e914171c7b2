using Microsoft.ML;
using Microsoft.ML.Data;
using Sta.MLNet;

namespace Sta.MLNet.Tests.Data;

public sealed class PhotoMotionClipDataViewTests
{
    private static readonly PhotoMotionOptions Small = new() { FaceSize = 32, FrameCount = 4 };

    private static PhotoVideo[] Videos() =>
    [
        new(FacePhotos.Astronaut, "astronaut_1", 1, ClipCount: 2),
        new(FacePhotos.Messi, "messi_1", 1),
    ];

    [Fact]
    public void RowsAreTheGeneratorsClipsNormalisedWithTheirLandmarks()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.LoadPhotoMotionClips(Videos(), Small);
        Assert.Equal(3L, data.GetRowCount());
        Assert.Equal(["Clip", "Landmarks", "Label", "VideoId"], data.Schema.Select(c => c.Name));
        var clipType = (VectorDataViewType)data.Schema["Clip"].Type;
        Assert.Equal([4, 3, 32, 32], clipType.Dimensions.ToArray());
        Assert.Equal([4, 68, 2], ((VectorDataViewType)data.Schema["Landmarks"].Type).Dimensions.ToArray());
        Assert.Equal(["astronaut_1", "astronaut_1", "messi_1"], data.GetColumn<string>("VideoId"));
        Assert.All(data.GetColumn<bool>("Label"), Assert.False);

        var clips = data.GetColumn<float[]>("Clip").ToArray();
        var landmarks = data.GetColumn<float[]>("Landmarks").ToArray();
        using var generator = new PhotoMotionClipGenerator(Small);
        var expected = generator.GenerateClip(Videos()[0], 1);
        var normalised = new float[expected.Frames.Pixels.Length];
        ClipNormalization.Normalize(expected.Frames.Pixels, normalised, 4, 32, 32);
        Assert.Equal(normalised, clips[1]);
        Assert.Equal(expected.Landmarks, landmarks[1]);
        Assert.NotEqual(clips[0], clips[1]);
    }

    [Fact]
    public void AShuffledCursorVisitsEveryRowOnceWithTheSameValues()
    {
        var data = new PhotoMotionClipDataView(
            [new PhotoVideo(FacePhotos.Astronaut, "a", 2, ClipCount: 3), new PhotoVideo(FacePhotos.Astronaut, "b", 3, ClipCount: 3)],
            Small with { FrameCount = 2 });
        Assert.True(data.CanShuffle);
        Dictionary<ulong, (string Video, float[] Clip)> ReadAll(Random? rand, out List<ulong> order)
        {
            var result = new Dictionary<ulong, (string, float[])>();
            order = [];
            using var cursor = data.GetRowCursor(data.Schema, rand);
            var id = cursor.GetIdGetter();
            var video = cursor.GetGetter<ReadOnlyMemory<char>>(data.Schema["VideoId"]);
            var clip = cursor.GetGetter<VBuffer<float>>(data.Schema["Clip"]);
            DataViewRowId rowId = default; ReadOnlyMemory<char> v = default; VBuffer<float> c = default;
            while (cursor.MoveNext())
            {
                id(ref rowId); video(ref v); clip(ref c);
                result.Add(rowId.Low, (v.ToString(), c.DenseValues().ToArray()));
                order.Add(rowId.Low);
            }
            return result;
        }
        var plain = ReadAll(null, out var plainOrder);
        var shuffled = ReadAll(new Random(3), out var shuffledOrder);
        Assert.Equal([0UL, 1, 2, 3, 4, 5], plainOrder);
        Assert.NotEqual(plainOrder, shuffledOrder);
        Assert.Equal(plainOrder, shuffledOrder.Order());
        foreach (var (id, row) in plain)
        {
            Assert.Equal(row.Video, shuffled[id].Video);
            Assert.Equal(row.Clip, shuffled[id].Clip);
        }
    }

    [Fact]
    public void FramesAreRenderedOnlyWhenClipOrLandmarksAreRead()
    {
        // A photo without a face: ids and labels are served, the first clip read fails -> rendering happens in the getter.
        var faceless = Path.Combine(Path.GetTempPath(), $"sta-faceless-view-{Environment.ProcessId}.png");
        try
        {
            using (var grey = new OpenCvSharp.Mat(100, 100, OpenCvSharp.MatType.CV_8UC3, OpenCvSharp.Scalar.All(90)))
                OpenCvSharp.Cv2.ImWrite(faceless, grey);
            var data = new MLContext(seed: 1).LoadPhotoMotionClips([new PhotoVideo(faceless, "grey", 1, ClipCount: 4)], Small);
            Assert.Equal(["grey", "grey", "grey", "grey"], data.GetColumn<string>("VideoId"));
            Assert.Equal(4, data.GetColumn<bool>("Label").Count());
            var error = Assert.Throws<InvalidDataException>(() => data.GetColumn<float[]>("Landmarks").First());
            Assert.Contains("grey", error.Message);
        }
        finally
        {
            File.Delete(faceless);
        }
    }

    [Fact]
    public void MissingPhotosAreReportedWhenTheViewIsCreated()
    {
        var error = Assert.Throws<FileNotFoundException>(() => new MLContext().LoadPhotoMotionClips([new PhotoVideo("/no/such/photo.jpg", "x", 1)]));
        Assert.Contains("/no/such/photo.jpg", error.Message);
    }
}

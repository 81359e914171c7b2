using System.Runtime.CompilerServices;
using Microsoft.ML;
using Microsoft.ML.Data;
using Sta.MLNet;

namespace Sta.MLNet.Tests.Data;

public sealed class VideoBlendedFakesTests
{
    private sealed record Row(bool Label, bool IsSynthetic, long SourceRowId, string VideoId, int Tag, float[] Clip, float[] Landmarks);

    private static List<Row> Read(IDataView data, Random? rand = null)
    {
        var rows = new List<Row>();
        using var cursor = data.GetRowCursor(data.Schema, rand);
        var label = cursor.GetGetter<bool>(data.Schema["Label"]);
        var synthetic = cursor.GetGetter<bool>(data.Schema["IsSynthetic"]);
        var source = cursor.GetGetter<long>(data.Schema["SourceRowId"]);
        var video = cursor.GetGetter<ReadOnlyMemory<char>>(data.Schema["VideoId"]);
        var tag = cursor.GetGetter<int>(data.Schema["Tag"]);
        var clip = cursor.GetGetter<VBuffer<float>>(data.Schema["Clip"]);
        var landmarks = cursor.GetGetter<VBuffer<float>>(data.Schema["Landmarks"]);
        while (cursor.MoveNext())
        {
            bool l = false, s = false; long src = 0; int t = 0;
            ReadOnlyMemory<char> v = default; VBuffer<float> c = default, p = default;
            label(ref l); synthetic(ref s); source(ref src); video(ref v); tag(ref t); clip(ref c); landmarks(ref p);
            rows.Add(new Row(l, s, src, v.ToString(), t, c.DenseValues().ToArray(), p.DenseValues().ToArray()));
        }
        return rows;
    }

    [Fact]
    public void EveryRealRowIsFollowedByItsBlendedFakeTwin()
    {
        var ml = new MLContext(seed: 1);
        var input = ml.Data.LoadFromEnumerable(BlendingRows.Make(5));
        var output = ml.AddVideoBlendedFakes(input);
        Assert.Equal(input.Schema.Count + 2, output.Schema.Count);
        Assert.Equal(input.CanShuffle, output.CanShuffle);
        var rows = Read(output);
        // 5 rows (real, fake, real, fake, real) + 3 twins.
        Assert.Equal([0, 0, 1, 2, 2, 3, 4, 4], rows.Select(r => r.Tag));
        Assert.Equal([false, true, false, false, true, false, false, true], rows.Select(r => r.IsSynthetic));
        Assert.Equal([false, true, true, false, true, true, false, true], rows.Select(r => r.Label));
        Assert.Equal(["video0", "vb_video0", "video1", "video2", "vb_video2", "video3", "video4", "vb_video4"], rows.Select(r => r.VideoId));
        for (int i = 0; i < rows.Count; i++)
        {
            if (!rows[i].IsSynthetic) continue;
            var source = rows[i - 1];
            Assert.Equal(source.SourceRowId, rows[i].SourceRowId);
            Assert.Equal(source.Landmarks, rows[i].Landmarks);
            Assert.NotEqual(source.Clip, rows[i].Clip);
        }
        Assert.Equal(5, rows.Select(r => r.SourceRowId).Distinct().Count());
    }

    [Fact]
    public void ATwinIsTheVideoBlenderOutputAndDiffersFromItsSourceOnlyInsideTheMasks()
    {
        var ml = new MLContext(seed: 1);
        var options = new VideoBlendingDataOptions { Seed = 9 };
        var rows = Read(ml.AddVideoBlendedFakes(ml.Data.LoadFromEnumerable(BlendingRows.Make(3)), options));
        const int frames = BlendingRows.Frames, size = BlendingRows.Size, plane = size * size;
        var blend = VideoBlendOptions.ForFaceSize(size);
        int checkedTwins = 0;
        for (int i = 1; i < rows.Count; i++)
        {
            if (!rows[i].IsSynthetic) continue;
            var source = rows[i - 1];
            var bytes = new byte[source.Clip.Length];
            ClipNormalization.Denormalize(source.Clip, bytes, frames, size, size);
            var expected = new byte[bytes.Length];
            var masks = new float[frames * 4 * plane];
            using (var blender = new VideoBlender(9UL, blend))
                blender.BlendClip(bytes, frames, size, size, source.Landmarks, 68, source.SourceRowId, expected, masks);
            var twinBytes = new byte[bytes.Length];
            ClipNormalization.Denormalize(rows[i].Clip, twinBytes, frames, size, size);
            Assert.Equal(expected, twinBytes);

            int changed = 0;
            for (int t = 0; t < frames; t++)
                for (int c = 0; c < 3; c++)
                    for (int p = 0; p < plane; p++)
                    {
                        var index = (t * 3 + c) * plane + p;
                        if (BitConverter.SingleToInt32Bits(rows[i].Clip[index]) == BitConverter.SingleToInt32Bits(source.Clip[index])) continue;
                        changed++;
                        var inMask = Enumerable.Range(0, 4).Any(r => masks[(t * 4 + r) * plane + p] > 0);
                        Assert.True(inMask, $"twin of row {source.Tag}: frame {t} pixel ({p % size}, {p / size}) changed outside every mask");
                    }
            Assert.True(changed > 50, $"only {changed} values changed");
            checkedTwins++;
        }
        Assert.Equal(2, checkedTwins);
    }

    [Fact]
    public void TwinsAreDeterministicForASeedWhateverTheCursor()
    {
        var ml = new MLContext(seed: 1);
        var input = ml.Data.LoadFromEnumerable(BlendingRows.Make(4));
        var output = ml.AddVideoBlendedFakes(input, new VideoBlendingDataOptions { Seed = 3 });
        var first = Read(output).Where(r => r.IsSynthetic).ToDictionary(r => r.SourceRowId);
        var again = Read(ml.AddVideoBlendedFakes(input, new VideoBlendingDataOptions { Seed = 3 })).Where(r => r.IsSynthetic).ToList();
        Assert.All(again, r => Assert.Equal(first[r.SourceRowId].Clip, r.Clip));

        // Through a cached (shuffleable) input and a shuffled cursor: same twins, each right after its source.
        var cached = ml.AddVideoBlendedFakes(ml.Data.Cache(input), new VideoBlendingDataOptions { Seed = 3 });
        Assert.True(cached.CanShuffle);
        var shuffled = Read(cached, new Random(5));
        Assert.NotEqual(Read(cached).Select(r => r.Tag), shuffled.Select(r => r.Tag));
        for (int i = 0; i < shuffled.Count; i++)
        {
            if (!shuffled[i].IsSynthetic) continue;
            Assert.Equal(shuffled[i - 1].SourceRowId, shuffled[i].SourceRowId);
            Assert.Equal(first[shuffled[i].SourceRowId].Clip, shuffled[i].Clip);
        }

        // Through a cursor set (ML.NET hands out several cursors over a cache): every twin, each after its source.
        var fromSet = new List<(long Source, bool Synthetic, float[] Clip)>();
        foreach (var cursor in cached.GetRowCursorSet(cached.Schema, 3))
        {
            using (cursor)
            {
                var source = cursor.GetGetter<long>(cached.Schema["SourceRowId"]);
                var synthetic = cursor.GetGetter<bool>(cached.Schema["IsSynthetic"]);
                var clip = cursor.GetGetter<VBuffer<float>>(cached.Schema["Clip"]);
                long s = 0; bool y = false; VBuffer<float> c = default;
                while (cursor.MoveNext())
                {
                    source(ref s); synthetic(ref y); clip(ref c);
                    if (y) Assert.Equal(s, fromSet[^1].Source);
                    fromSet.Add((s, y, c.DenseValues().ToArray()));
                }
            }
        }
        Assert.Equal(6, fromSet.Count);
        Assert.All(fromSet.Where(r => r.Synthetic), r => Assert.Equal(first[r.Source].Clip, r.Clip));

        var otherSeed = Read(ml.AddVideoBlendedFakes(input, new VideoBlendingDataOptions { Seed = 4 })).Where(r => r.IsSynthetic).ToList();
        Assert.All(otherSeed, r => Assert.NotEqual(first[r.SourceRowId].Clip, r.Clip));
    }

    [Fact]
    public void ClipsAreReadAndBlendedOnlyWhenTheirColumnIsRead()
    {
        var ml = new MLContext(seed: 1);
        var reads = new StrongBox<int>();
        var rows = BlendingRows.Make(6);
        foreach (var row in rows) row.Reads = reads;
        var output = ml.AddVideoBlendedFakes(ml.Data.LoadFromEnumerable(rows));

        Assert.Equal(9, output.GetColumn<bool>("IsSynthetic").Count());
        Assert.Equal(0, reads.Value);

        using (var cursor = output.GetRowCursor(output.Schema))
        {
            var clip = cursor.GetGetter<VBuffer<float>>(output.Schema["Clip"]);
            var synthetic = cursor.GetGetter<bool>(output.Schema["IsSynthetic"]);
            VBuffer<float> value = default;
            bool isSynthetic = false;
            int twinsRead = 0;
            while (cursor.MoveNext())
            {
                synthetic(ref isSynthetic);
                if (!isSynthetic) continue;
                clip(ref value);
                twinsRead++;
            }
            // One source read per twin actually read; untouched rows are never read.
            Assert.Equal(3, twinsRead);
            Assert.Equal(3, reads.Value);
        }
    }

    [Fact]
    public void TheRatioSelectsADeterministicSubsetOfRealRows()
    {
        var ml = new MLContext(seed: 1);
        var input = ml.Data.LoadFromEnumerable(BlendingRows.Make(40));
        IDataView With(double ratio) => ml.AddVideoBlendedFakes(input, new VideoBlendingDataOptions { Ratio = ratio });
        Assert.Equal(40, With(0).GetColumn<bool>("IsSynthetic").Count());
        var half = With(0.5).GetColumn<long>("SourceRowId").Zip(With(0.5).GetColumn<bool>("IsSynthetic")).Where(p => p.Second).Select(p => p.First).ToList();
        Assert.InRange(half.Count, 4, 16);
        Assert.Equal(half, With(0.5).GetColumn<long>("SourceRowId").Zip(With(0.5).GetColumn<bool>("IsSynthetic")).Where(p => p.Second).Select(p => p.First));
    }

    [Fact]
    public void NumericLabelsGetTheMatchingFakeValue()
    {
        var ml = new MLContext(seed: 1);
        var input = ml.Transforms.Conversion.ConvertType("Label", outputKind: DataKind.Single)
            .Fit(ml.Data.LoadFromEnumerable(BlendingRows.Make(2))).Transform(ml.Data.LoadFromEnumerable(BlendingRows.Make(2)));
        var labels = ml.AddVideoBlendedFakes(input).GetColumn<float>("Label").ToArray();
        Assert.Equal([0f, 1f, 1f], labels);
    }

    [Fact]
    public void MissingOrUnusableLandmarksFailClearly()
    {
        var ml = new MLContext(seed: 1);
        var rows = BlendingRows.Make(3);
        var noLandmarks = ml.Transforms.DropColumns("Landmarks").Fit(ml.Data.LoadFromEnumerable(rows)).Transform(ml.Data.LoadFromEnumerable(rows));
        var missing = Assert.Throws<ArgumentOutOfRangeException>(() => ml.AddVideoBlendedFakes(noLandmarks));
        Assert.Contains("'Landmarks'", missing.Message);
        var renamed = Assert.Throws<ArgumentOutOfRangeException>(() => ml.AddVideoBlendedFakes(ml.Data.LoadFromEnumerable(rows),
            new VideoBlendingDataOptions { LandmarksColumnName = "Points" }));
        Assert.Contains("'Points'", renamed.Message);

        rows[2].Landmarks[2 * 68 * 2 + 2 * 40] = float.NaN; // row 2 (real), frame 2, point 40
        var data = ml.AddVideoBlendedFakes(ml.Data.LoadFromEnumerable(rows));
        var ids = data.GetColumn<long>("SourceRowId").ToArray();
        var error = Assert.Throws<InvalidLandmarksException>(() => data.GetColumn<VBuffer<float>>("Clip").ToArray());
        Assert.Equal(2, error.FrameIndex);
        Assert.Equal(ids[^1], error.RowId);
        Assert.Contains($"row {ids[^1]}", error.Message);
        // Rows before the bad one were served; the real row itself passes through untouched.
        Assert.Equal(4, data.GetColumn<VBuffer<float>>("Clip").Take(4).Count());
    }
}

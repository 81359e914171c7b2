using Sta.MLNet;

namespace Sta.MLNet.Tests.Data;

public sealed class DeepfakeBenchDatasetTests
{
    private const string RealFolder = "FaceForensics++/original_sequences/youtube/c23";
    private const string FakeFolder = "FaceForensics++/manipulated_sequences/Deepfakes/c23";

    // 32 frame numbers evenly spread over a 300-frame video, as DeepfakeBench's preprocessing names them.
    private static readonly int[] ThirtyTwoFrames = Enumerable.Range(0, 32).Select(i => i * 299 / 31).ToArray();

    /// <summary>A FaceForensics++-style tree: real and fake labels, three splits, c23 and c40 levels.</summary>
    private static SyntheticDeepfakeBenchTree FaceForensicsTree(out string json)
    {
        var tree = new SyntheticDeepfakeBenchTree("dfb-ff");
        // Listed out of order, with a 4-digit name that sorts wrongly as text.
        tree.AddVideo("FaceForensics++", "FF-real", "test", "c23", RealFolder, "000", [.. ThirtyTwoFrames.Reverse()]);
        tree.AddVideo("FaceForensics++", "FF-real", "test", "c23", RealFolder, "001", [1000, 120, 7, 45, 300, 2, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31, 33, 35]);
        tree.AddVideo("FaceForensics++", "FF-DF", "test", "c23", FakeFolder, "000_003", ThirtyTwoFrames, withMasks: true);
        tree.AddVideo("FaceForensics++", "FF-real", "test", "c40", "FaceForensics++/original_sequences/youtube/c40", "000", ThirtyTwoFrames[..8]);
        tree.AddVideo("FaceForensics++", "FF-DF", "test", "c40", "FaceForensics++/manipulated_sequences/Deepfakes/c40", "000_003", ThirtyTwoFrames[..8]);
        tree.AddVideo("FaceForensics++", "FF-real", "train", "c23", RealFolder, "002", ThirtyTwoFrames[..10]);
        tree.AddVideo("FaceForensics++", "FF-real", "val", "c23", RealFolder, "003", ThirtyTwoFrames[..9]);
        json = tree.WriteJson("FaceForensics++.json");
        return tree;
    }

    [Fact]
    public void Reads_the_test_split_at_the_default_compression_with_sorted_frames_and_derived_landmarks()
    {
        var tree = FaceForensicsTree(out var json);
        var dataset = DeepfakeBenchDataset.Load(json);
        Assert.Equal(["FF-real_000", "FF-real_001", "FF-DF_000_003"], dataset.Videos.Select(v => v.VideoId));
        Assert.Equal([0, 0, 1], dataset.Videos.Select(v => v.Label));

        var real = dataset.Videos[0];
        Assert.Equal("FaceForensics++", real.DatasetName);
        Assert.Equal("c23", real.Compression);
        Assert.Equal(DatasetSplit.Test, real.Split);
        Assert.Equal(ThirtyTwoFrames, real.FrameNumbers);
        Assert.Equal(Path.Combine(tree.Root, RealFolder, "frames", "000", "000.png"), real.FramePaths[0]);
        Assert.Equal(Path.Combine(tree.Root, RealFolder, "landmarks", "000", "299.npy"), real.LandmarkPaths![^1]);
        Assert.Null(real.MaskPaths);

        Assert.Equal([2, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31, 33, 35, 45, 120, 300, 1000], dataset.Videos[1].FrameNumbers);
        Assert.EndsWith(Path.Combine("frames", "001", "1000.png"), dataset.Videos[1].FramePaths[^1]);

        var fake = dataset.Videos[2];
        Assert.Equal(Path.Combine(tree.Root, FakeFolder, "masks", "000_003", "000.png"), fake.MaskPaths![0]);
        Assert.All(dataset.Videos.SelectMany(v => v.FramePaths.Concat(v.LandmarkPaths!)), path => Assert.True(File.Exists(path), path));
    }

    [Fact]
    public void Other_splits_compressions_and_label_filters_select_their_entries()
    {
        FaceForensicsTree(out var json);
        Assert.Equal(["FF-real_002"], DeepfakeBenchDataset.Load(json, new() { Split = DatasetSplit.Train }).Videos.Select(v => v.VideoId));
        Assert.Equal(["FF-real_003"], DeepfakeBenchDataset.Load(json, new() { Split = DatasetSplit.Val }).Videos.Select(v => v.VideoId));
        var c40 = DeepfakeBenchDataset.Load(json, new() { Compression = "c40" });
        Assert.Equal(["FF-real_000", "FF-DF_000_003"], c40.Videos.Select(v => v.VideoId));
        Assert.All(c40.Videos, v => Assert.Equal("c40", v.Compression));
        Assert.All(c40.Videos, v => Assert.Contains("/c40/frames/", v.FramePaths[0]));
        Assert.Equal(["FF-DF_000_003"], DeepfakeBenchDataset.Load(json, new() { LabelNames = ["FF-DF"] }).Videos.Select(v => v.VideoId));

        var error = Assert.Throws<DatasetFormatException>(() => DeepfakeBenchDataset.Load(json, new() { Compression = "raw" }));
        Assert.Equal(json, error.Path);
        Assert.Contains("FaceForensics++/FF-real/test has compression levels [c23, c40] but not the requested 'raw'", error.Message);
    }

    [Fact]
    public void Files_without_a_compression_level_and_a_separate_frame_root_are_read()
    {
        var tree = new SyntheticDeepfakeBenchTree("dfb-celeb");
        tree.AddVideo("Celeb-DF-v2", "CelebDFv2_real", "test", null, "Celeb-DF-v2/Celeb-real", "id0_0000", ThirtyTwoFrames);
        tree.AddVideo("Celeb-DF-v2", "CelebDFv2_fake", "test", null, "Celeb-DF-v2/Celeb-synthesis", "id0_id1_0000", ThirtyTwoFrames[..16]);
        var json = tree.WriteJson("Celeb-DF-v2.json", Path.Combine(tree.Root, "dataset_json"));

        var dataset = DeepfakeBenchDataset.Load(json, new() { FrameRoot = tree.Root });
        Assert.Equal(["CelebDFv2_real_id0_0000", "CelebDFv2_fake_id0_id1_0000"], dataset.Videos.Select(v => v.VideoId));
        Assert.Equal([0, 1], dataset.Videos.Select(v => v.Label));
        Assert.All(dataset.Videos, v => Assert.Null(v.Compression));
        Assert.All(dataset.Videos.SelectMany(v => v.FramePaths), path => Assert.True(File.Exists(path), path));

        // Without FrameRoot, relative paths resolve against the JSON's own folder, where nothing exists.
        var relativeToJson = DeepfakeBenchDataset.Load(json);
        var issues = new List<DatasetIssue>();
        Assert.Empty(relativeToJson.EnumerateClips(null, issues.Add));
        Assert.Equal(2, issues.Count);
        Assert.All(issues, issue => Assert.IsType<DatasetFileMissingException>(issue.Error));
    }

    [Fact]
    public void Unknown_labels_are_an_error_unless_a_mapping_is_supplied()
    {
        var tree = new SyntheticDeepfakeBenchTree("dfb-df40");
        tree.AddVideo("simswap_ff", "simswap_Fake", "test", null, "DF40/simswap/ff", "000_003", ThirtyTwoFrames);
        var json = tree.WriteJson("simswap_ff.json");

        var error = Assert.Throws<DatasetFormatException>(() => DeepfakeBenchDataset.Load(json));
        Assert.Equal(json, error.Path);
        Assert.Contains("label 'simswap_Fake'", error.Message);
        Assert.Contains("LabelMapping", error.Message);

        var mapping = new Dictionary<string, int>(DeepfakeBenchLabels.Standard) { ["simswap_Fake"] = 1 };
        var dataset = DeepfakeBenchDataset.Load(json, new() { LabelMapping = mapping });
        Assert.Equal(1, dataset.Videos.Single().Label);
    }

    [Fact]
    public void The_standard_label_mapping_holds_every_DeepfakeBench_label()
    {
        Assert.Equal(8, DeepfakeBenchLabels.RealNames.Count);
        Assert.Equal(14, DeepfakeBenchLabels.FakeNames.Count);
        Assert.Equal(22, DeepfakeBenchLabels.Standard.Count);
        Assert.All(DeepfakeBenchLabels.RealNames, name => Assert.Equal(0, DeepfakeBenchLabels.Standard[name]));
        Assert.All(DeepfakeBenchLabels.FakeNames, name => Assert.Equal(1, DeepfakeBenchLabels.Standard[name]));
        Assert.Equal(0, DeepfakeBenchLabels.Standard["FF-real"]);
        Assert.Equal(1, DeepfakeBenchLabels.Standard["DFDCP_FakeB"]);
    }

    [Theory]
    [InlineData("truncated", "{\"FaceForensics++\": {\"FF-real\": {\"test\": {", "Malformed JSON")]
    [InlineData("not-an-object", "[1, 2, 3]", "the top level is a JSON Array")]
    [InlineData("frames-not-array", "{\"D\": {\"FF-real\": {\"test\": {\"v\": {\"label\": \"FF-real\", \"frames\": \"a.png\"}}}}}", "D/FF-real/test/v/frames is not an array")]
    [InlineData("frame-not-string", "{\"D\": {\"FF-real\": {\"test\": {\"v\": {\"label\": \"FF-real\", \"frames\": [3]}}}}}", "not a path")]
    [InlineData("frame-not-numbered", "{\"D\": {\"FF-real\": {\"test\": {\"v\": {\"label\": \"FF-real\", \"frames\": [\"f/frames/v/first.png\"]}}}}}", "not a frame number")]
    [InlineData("frame-twice", "{\"D\": {\"FF-real\": {\"test\": {\"v\": {\"label\": \"FF-real\", \"frames\": [\"frames/v/1.png\", \"frames/v/001.png\"]}}}}}", "frame number 1 twice")]
    [InlineData("no-frames", "{\"D\": {\"FF-real\": {\"test\": {\"v\": {\"label\": \"FF-real\", \"frames\": []}}}}}", "frames is empty")]
    [InlineData("label-not-string", "{\"D\": {\"FF-real\": {\"test\": {\"v\": {\"label\": 0, \"frames\": [\"frames/v/0.png\"]}}}}}", "label is not a string")]
    [InlineData("split-not-object", "{\"D\": {\"FF-real\": {\"test\": [\"v\"]}}}", "D/FF-real/test is a JSON Array")]
    [InlineData("video-level-not-entry", "{\"D\": {\"FF-real\": {\"test\": {\"c23\": {\"v\": 5}}}}}", "D/FF-real/test/c23/v is not a video entry")]
    public void Malformed_json_is_rejected_with_the_path_and_location(string name, string text, string messagePart)
    {
        var tree = new SyntheticDeepfakeBenchTree("dfb-bad");
        var json = tree.WriteRawJson(name + ".json", text);
        var error = Assert.Throws<DatasetFormatException>(() => DeepfakeBenchDataset.Load(json));
        Assert.Equal(json, error.Path);
        Assert.Contains(messagePart, error.Message);
        Assert.Contains(json, error.Message);
    }

    [Fact]
    public void A_missing_json_is_reported_with_its_path()
    {
        var path = Path.Combine(new SyntheticDeepfakeBenchTree("dfb-missing").Root, "absent.json");
        Assert.Equal(path, Assert.Throws<DatasetFileMissingException>(() => DeepfakeBenchDataset.Load(path)).Path);
    }

    [Fact]
    public void Windows_separators_in_the_json_resolve_to_the_same_files()
    {
        var tree = new SyntheticDeepfakeBenchTree("dfb-windows");
        tree.AddVideo("UADFV", "UADFV_Real", "test", null, "UADFV/real", "0001", [0, 5, 10, 15, 20, 25, 30, 35]);
        var json = tree.WriteJson("UADFV.json");
        File.WriteAllText(json, File.ReadAllText(json).Replace("/", "\\\\"));
        var video = DeepfakeBenchDataset.Load(json).Videos.Single();
        Assert.All(video.FramePaths.Concat(video.LandmarkPaths!), path => Assert.True(File.Exists(path), path));
    }

    [Fact]
    public void Clips_follow_the_DeepfakeBench_protocol_and_bad_videos_are_reported_and_skipped()
    {
        var tree = new SyntheticDeepfakeBenchTree("dfb-clips");
        const string folder = "DFDCP/method_A";
        tree.AddVideo("DFDCP", "DFDCP_FakeA", "test", null, folder, "full", ThirtyTwoFrames);
        tree.AddVideo("DFDCP", "DFDCP_FakeA", "test", null, folder, "twenty", ThirtyTwoFrames[..20]);
        tree.AddVideo("DFDCP", "DFDCP_FakeA", "test", null, folder, "short", ThirtyTwoFrames[..5]);
        var hole = tree.AddVideo("DFDCP", "DFDCP_FakeA", "test", null, folder, "hole", ThirtyTwoFrames[..8]);
        tree.AddVideo("DFDCP", "DFDCP_FakeA", "test", null, folder, "no_landmarks", ThirtyTwoFrames[..8], writeLandmarks: false);
        var json = tree.WriteJson("DFDCP.json");
        File.Delete(Path.Combine(tree.Root, hole[3]));

        var dataset = DeepfakeBenchDataset.Load(json);
        var issues = new List<DatasetIssue>();
        var clips = dataset.EnumerateClips(null, issues.Add);
        Assert.Empty(issues); // lazy: nothing is checked before enumeration
        var list = clips.ToList();

        Assert.Equal(
            ["DFDCP_FakeA_full", "DFDCP_FakeA_full", "DFDCP_FakeA_full", "DFDCP_FakeA_full",
             "DFDCP_FakeA_twenty", "DFDCP_FakeA_twenty", "DFDCP_FakeA_no_landmarks"],
            list.Select(c => c.VideoId));
        Assert.Equal([0, 1, 2, 3, 0, 1, 0], list.Select(c => c.ClipIndex));
        Assert.Equal([4, 4, 4, 4, 2, 2, 1], list.Select(c => c.ClipCount));
        Assert.All(list, c => Assert.Equal(1, c.Label));
        Assert.All(list, c => Assert.Null(c.VideoPath));
        Assert.Equal(ThirtyTwoFrames[8..16], list[1].FrameIndices);
        Assert.Equal(ThirtyTwoFrames[12..20], list[5].FrameIndices); // 20 frames: step (20 - 8) // 1 = 12
        Assert.Equal(dataset.Videos[0].FramePaths.Skip(24), list[3].FramePaths!);
        Assert.Equal(dataset.Videos[0].LandmarkPaths!.Skip(24), list[3].LandmarkPaths!);

        Assert.Equal(2, issues.Count);
        var tooShort = Assert.IsType<VideoTooShortException>(issues[0].Error);
        Assert.Equal("DFDCP_FakeA_short", issues[0].VideoId);
        Assert.Equal(5, tooShort.FrameCount);
        var missing = Assert.IsType<DatasetFileMissingException>(issues[1].Error);
        Assert.Equal("DFDCP_FakeA_hole", issues[1].VideoId);
        Assert.Equal(Path.Combine(tree.Root, hole[3]), missing.Path);
        Assert.Contains(json, missing.Message);

        var withLandmarks = new List<DatasetIssue>();
        Assert.DoesNotContain(dataset.EnumerateClips(null, withLandmarks.Add, requireLandmarks: true), c => c.VideoId == "DFDCP_FakeA_no_landmarks");
        Assert.Equal(["DFDCP_FakeA_short", "DFDCP_FakeA_hole", "DFDCP_FakeA_no_landmarks"], withLandmarks.Select(i => i.VideoId));
        Assert.EndsWith(".npy", withLandmarks[2].Path);

        // Padding instead of skipping: the short video gets one mirrored clip.
        var padded = dataset.EnumerateClips(ClipSamplingOptions.DeepfakeBench with { ShortVideo = ShortVideoPolicy.Mirror }, _ => { })
            .Single(c => c.VideoId == "DFDCP_FakeA_short");
        Assert.Equal(new[] { 0, 1, 2, 3, 4, 3, 2, 1 }.Select(p => ThirtyTwoFrames[p]), padded.FrameIndices);
    }

    [Fact]
    public void Clips_load_as_224_pixel_frames_and_scaled_landmarks()
    {
        var tree = new SyntheticDeepfakeBenchTree("dfb-load");
        tree.AddVideo("UADFV", "UADFV_Fake", "test", null, "UADFV/fake", "0001_fake", [0, 5, 10, 15, 20, 25, 30, 35]);
        var clip = DeepfakeBenchDataset.Load(tree.WriteJson("UADFV.json")).EnumerateClips(null, _ => Assert.Fail("no issue expected")).Single();

        using var frame = ExtractedFrameLoader.LoadFrame(clip.FramePaths![2]);
        Assert.Equal(224, frame.Width);
        Assert.Equal(224, frame.Height);
        Assert.Equal(10, frame.At<OpenCvSharp.Vec3b>(100, 100).Item0); // the synthetic frame's grey level is its number

        var landmarks = ExtractedFrameLoader.LoadLandmarks(clip.LandmarkPaths![2]);
        Assert.Equal(81, landmarks.Length);
        Assert.Equal(new OpenCvSharp.Point2f((80 + 10) * 224f / 256f, 160 * 224f / 256f), landmarks[80]);
    }

    [Fact]
    public void Invalid_arguments_fail_at_the_call()
    {
        FaceForensicsTree(out var json);
        var dataset = DeepfakeBenchDataset.Load(json);
        Assert.Throws<ArgumentNullException>(() => dataset.EnumerateClips(null, null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => dataset.EnumerateClips(new ClipSamplingOptions { FramesPerClip = 0 }, _ => { }));
    }
}

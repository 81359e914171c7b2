using Sta.MLNet;
using Sta.MLNet.Tests.Video;

namespace Sta.MLNet.Tests.Data;

public sealed class VideoCollectionTests
{
    private static string Place(string root, string relative, string source)
    {
        var path = Path.Combine(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.Copy(source, path);
        return path;
    }

    private static string LabelledFolder(out Dictionary<string, string> files)
    {
        var root = TestVideos.NewScratchFolder("video-folder");
        files = new Dictionary<string, string>
        {
            ["real/b.mp4"] = Place(root, "real/b.mp4", TestVideos.StampedH264),
            ["real/a.MP4"] = Place(root, "real/a.MP4", TestVideos.ThreeFrameH264),
            ["real/nested/c.avi"] = Place(root, "real/nested/c.avi", TestVideos.StampedMjpg),
            ["fake/x.mp4"] = Place(root, "fake/x.mp4", TestVideos.StampedMp4v),
            ["fake/text.mp4"] = Place(root, "fake/text.mp4", TestVideos.TextFileNamedMp4),
            ["fake/cut.mp4"] = Place(root, "fake/cut.mp4", TestVideos.TruncatedWithIndex),
        };
        File.WriteAllText(Path.Combine(root, "fake", "notes.txt"), "not a video extension: ignored");
        return root;
    }

    [Fact]
    public void Label_folders_give_sorted_videos_with_labels_and_ids()
    {
        var root = LabelledFolder(out var files);
        var videos = VideoCollection.FromLabelFolders(root);
        Assert.Equal(
            ["real_a", "real_b", "real_nested/c", "fake_cut", "fake_text", "fake_x"],
            videos.Select(v => v.VideoId));
        Assert.Equal([0, 0, 0, 1, 1, 1], videos.Select(v => v.Label));
        Assert.Equal(files["real/nested/c.avi"], videos[2].Path);

        Assert.Equal(["real_a", "real_b"], VideoCollection.FromLabelFolders(root, new() { Recursive = false }).Where(v => v.Label == 0).Select(v => v.VideoId));
    }

    [Fact]
    public void Label_folder_names_are_configurable_and_a_tree_without_them_is_an_error()
    {
        var root = TestVideos.NewScratchFolder("video-folder-names");
        Place(root, "pristine/one.mp4", TestVideos.ThreeFrameH264);
        Place(root, "manipulated/two.mp4", TestVideos.ThreeFrameH264);
        var error = Assert.Throws<DatasetFormatException>(() => VideoCollection.FromLabelFolders(root));
        Assert.Equal(root, error.Path);
        var videos = VideoCollection.FromLabelFolders(root, new() { RealFolderName = "pristine", FakeFolderName = "manipulated" });
        Assert.Equal(["pristine_one", "manipulated_two"], videos.Select(v => v.VideoId));
        Assert.Throws<DatasetFileMissingException>(() => VideoCollection.FromLabelFolders(Path.Combine(root, "absent")));
    }

    [Fact]
    public void Clips_are_planned_per_video_and_unusable_videos_are_reported_and_skipped()
    {
        var root = LabelledFolder(out var files);
        var issues = new List<DatasetIssue>();
        var clips = VideoCollection.EnumerateClips(VideoCollection.FromLabelFolders(root), ClipSamplingOptions.Consecutive, issues.Add);
        Assert.Empty(issues); // lazy
        var list = clips.ToList();

        // 60-frame videos: 60 // 8 = 7 clips, step (60 - 8) // 6 = 8. The truncated file holds fewer packets.
        Assert.Equal(["real_b", "real_nested/c", "fake_cut", "fake_x"], list.Select(c => c.VideoId).Distinct());
        Assert.Equal([7, 7, VideoReader.ReadInfo(files["fake/cut.mp4"]).FrameCount / 8, 7], list.GroupBy(c => c.VideoId).Select(group => group.Count()));
        var last = list.Last(c => c.VideoId == "fake_x");
        Assert.Equal(Enumerable.Range(48, 8), last.FrameIndices);
        Assert.Equal(6, last.ClipIndex);
        Assert.Equal(files["fake/x.mp4"], last.VideoPath);
        Assert.Null(last.FramePaths);

        Assert.Equal(["real_a", "fake_text"], issues.Select(i => i.VideoId));
        Assert.Equal(3, Assert.IsType<VideoTooShortException>(issues[0].Error).FrameCount);
        Assert.Equal(VideoDecodeFailure.CannotOpen, Assert.IsType<VideoDecodeException>(issues[1].Error).Failure);
        Assert.Equal(files["fake/text.mp4"], issues[1].Path);
    }

    [Fact]
    public void Counting_decodable_frames_plans_a_truncated_video_within_what_it_holds()
    {
        var root = LabelledFolder(out var files);
        var cut = VideoCollection.FromLabelFolders(root).Single(v => v.VideoId == "fake_cut");
        int decodable;
        using (var reader = VideoReader.Open(cut.Path))
            decodable = reader.CountDecodableFrames();

        var clips = VideoCollection.EnumerateClips([cut], ClipSamplingOptions.DeepfakeBench, _ => Assert.Fail("no issue expected"), countDecodableFrames: true).ToList();
        Assert.InRange(decodable, 16, 31);
        Assert.Equal(ClipSampler.PlanVideo(decodable).Clips, clips.Select(c => c.FrameIndices));
        Assert.NotEqual(ClipSampler.PlanVideo(TestVideos.StampedFrameCount).Clips, clips.Select(c => c.FrameIndices));
        Assert.All(clips.SelectMany(c => c.FrameIndices), index => Assert.InRange(index, 0, decodable - 1));

        // And every planned frame really decodes.
        using var check = VideoReader.Open(cut.Path);
        foreach (var clip in clips)
            foreach (var image in check.ReadClip(clip.FrameIndices))
                image.Dispose();
    }

    [Fact]
    public void The_DeepfakeBench_protocol_samples_32_frames_of_a_video_file()
    {
        var video = new LabeledVideo("real_b", 0, "real", TestVideos.StampedH264);
        var clips = VideoCollection.EnumerateClips([video], null, _ => { }).ToList();
        Assert.Equal(4, clips.Count);
        Assert.Equal(ClipSampler.EvenlySpacedIndices(60, 32), clips.SelectMany(c => c.FrameIndices));
    }

    [Fact]
    public void Csv_lists_give_labelled_videos_and_report_bad_lines()
    {
        var root = TestVideos.NewScratchFolder("video-csv");
        Place(root, "clips/one.mp4", TestVideos.StampedH264);
        Place(root, "clips/two, with comma.mp4", TestVideos.StampedMp4v);
        var csv = Path.Combine(root, "list.csv");
        File.WriteAllLines(csv,
        [
            "path,label",
            "clips/one.mp4,0",
            "\"clips/two, with comma.mp4\",fake",
            "",
            "clips/three.mp4,FF-NT",
            $"{Path.Combine(root, "clips", "four.mp4")},Real,extra column",
        ]);
        var videos = VideoCollection.FromCsv(csv);
        Assert.Equal(["real_clips/one", "fake_clips/two, with comma", "FF-NT_clips/three", "Real_clips/four"], videos.Select(v => v.VideoId));
        Assert.Equal([0, 1, 1, 0], videos.Select(v => v.Label));
        Assert.Equal(Path.Combine(root, "clips", "two, with comma.mp4"), videos[1].Path);

        var issues = new List<DatasetIssue>();
        var clips = VideoCollection.EnumerateClips(videos, ClipSamplingOptions.Consecutive with { ClipsPerVideo = 2 }, issues.Add).ToList();
        Assert.Equal(["real_clips/one", "real_clips/one", "fake_clips/two, with comma", "fake_clips/two, with comma"], clips.Select(c => c.VideoId));
        Assert.Equal([Enumerable.Range(0, 8), Enumerable.Range(52, 8)], clips.Take(2).Select(c => c.FrameIndices));
        Assert.Equal(["FF-NT_clips/three", "Real_clips/four"], issues.Select(i => i.VideoId));
        Assert.All(issues, issue => Assert.Equal(VideoDecodeFailure.FileNotFound, Assert.IsType<VideoDecodeException>(issue.Error).Failure));
    }

    [Theory]
    [InlineData("a.mp4,maybe", "Line 1 has label 'maybe'")]
    [InlineData("a.mp4", "Line 1 is not 'path,label'")]
    [InlineData("a.mp4,0\nb.mp4,1\na.mp4,1", "Line 3 lists")]
    [InlineData("\"a.mp4,0", "Line 1 has an unterminated quoted field")]
    [InlineData(",1", "Line 1 is not 'path,label'")]
    public void Malformed_csv_lines_are_errors_naming_the_line(string content, string messagePart)
    {
        var csv = Path.Combine(TestVideos.NewScratchFolder("video-csv-bad"), "list.csv");
        File.WriteAllText(csv, content);
        var error = Assert.Throws<DatasetFormatException>(() => VideoCollection.FromCsv(csv));
        Assert.Equal(csv, error.Path);
        Assert.Contains(messagePart, error.Message);
    }

    [Fact]
    public void Csv_label_mapping_and_root_are_configurable()
    {
        var folder = TestVideos.NewScratchFolder("video-csv-mapping");
        var csv = Path.Combine(folder, "list.csv");
        File.WriteAllText(csv, "v1.mp4,pristine\nv2.mp4,swapped\n");
        var options = new VideoCsvOptions
        {
            Root = "/data/videos",
            LabelMapping = new Dictionary<string, int> { ["pristine"] = 0, ["swapped"] = 1 },
        };
        var videos = VideoCollection.FromCsv(csv, options);
        Assert.Equal(["/data/videos/v1.mp4", "/data/videos/v2.mp4"], videos.Select(v => v.Path));
        Assert.Equal([0, 1], videos.Select(v => v.Label));
        Assert.Throws<DatasetFileMissingException>(() => VideoCollection.FromCsv(Path.Combine(folder, "absent.csv")));
    }
}

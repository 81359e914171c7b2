using Microsoft.ML;
using Sta.MLNet.Cli.Infrastructure;
using Sta.MLNet.Cli.Preprocessing;
using Sta.MLNet;

namespace Sta.MLNet.Cli.Training;

/// <summary>
/// The library's clip sources (<see cref="StaCatalog"/>) set up from the command line: DeepfakeBench JSON splits
/// (with the CLI's label rules, <see cref="DatasetLabels"/>) and labelled video folders, at the network's clip shape.
/// Rows are decoded lazily on every pass; skipped videos and clips are reported once each through <c>onIssue</c>.
/// </summary>
internal static class DatasetLoader
{
    public static VideoClipSourceDataView DeepfakeBench(MLContext mlContext, string jsonPath, string split, string compression, string? frameRoot,
        StaNetworkOptions network, bool requireLandmarks, Action<string> onIssue, CancellationToken cancellationToken, int workers = 1)
    {
        CommonOptions.RequireFile(jsonPath, "Dataset JSON");
        var dataset = new DeepfakeBenchOptions
        {
            Split = split switch
            {
                "train" => DatasetSplit.Train,
                "val" => DatasetSplit.Val,
                "test" => DatasetSplit.Test,
                _ => throw new UsageException($"Unknown split '{split}' (train, val, test)."),
            },
            Compression = compression,
            FrameRoot = frameRoot,
            LabelMapping = DatasetLabels.MappingFor(jsonPath),
        };
        var frontEnd = new FaceClipOptions
        {
            Sampling = ClipSamplingOptions.DeepfakeBench with { FramesPerClip = network.NumFrames },
            ClipSize = network.InputResolution,
        };
        return (VideoClipSourceDataView)mlContext.LoadDeepfakeBenchClips(jsonPath, dataset, SourceOptions(frontEnd, requireLandmarks, onIssue, cancellationToken, workers));
    }

    public static VideoClipSourceDataView VideoFolder(MLContext mlContext, string folder, FaceClipOptions frontEnd, Action<string> onIssue,
        CancellationToken cancellationToken, int workers = 1)
    {
        if (!Directory.Exists(folder)) throw new UsageException($"Video folder not found: {folder}");
        return (VideoClipSourceDataView)mlContext.LoadVideoClipsFromFolder(folder, SourceOptions(frontEnd, requireLandmarks: false, onIssue, cancellationToken, workers));
    }

    /// <param name="workers">Threads decoding clips ahead of the reader (<see cref="ClipStreamOptions.DecodeWorkers"/>).</param>
    private static VideoClipSourceOptions SourceOptions(FaceClipOptions frontEnd, bool requireLandmarks, Action<string> onIssue, CancellationToken cancellationToken,
        int workers)
    {
        var reported = new HashSet<(string, int)>();
        return new VideoClipSourceOptions
        {
            FrontEnd = frontEnd,
            RequireLandmarks = requireLandmarks,
            Stream = new ClipStreamOptions
            {
                DecodeWorkers = workers,
                // Every pass (epoch) meets the same bad clips again; say it once.
                OnIssue = issue =>
                {
                    lock (reported)
                    {
                        if (reported.Add((issue.VideoId, issue.ClipIndex)))
                            onIssue(issue.ClipIndex >= 0 ? $"{issue.VideoId} clip {issue.ClipIndex}: {issue.Error.Message}" : $"{issue.VideoId}: {issue.Error.Message}");
                    }
                },
                CancellationToken = cancellationToken,
            },
        };
    }
}

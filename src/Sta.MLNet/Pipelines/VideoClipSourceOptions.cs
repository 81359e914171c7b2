
namespace Sta.MLNet;

/// <summary>Options of the clip sources (<see cref="StaCatalog.LoadVideoClipsFromFolder"/>, CSV and DeepfakeBench).</summary>
public sealed record VideoClipSourceOptions
{
    /// <summary>Sampling, detector, alignment and no-face rule (for DeepfakeBench data: sampling and <see cref="FaceClipOptions.ClipSize"/>). Default <see cref="FaceClipOptions"/> defaults.</summary>
    public FaceClipOptions FrontEnd { get; init; } = new();

    /// <summary>Output column names. Default <see cref="VideoClipColumns"/> defaults.</summary>
    public VideoClipColumns Columns { get; init; } = new();

    /// <summary>Issue callback, progress, cancellation, decoding threads (<see cref="ClipStreamOptions.DecodeWorkers"/>). Default none (issues still go to <see cref="VideoClipSourceDataView.Issues"/> and the log).</summary>
    public ClipStreamOptions Stream { get; init; } = new();

    /// <summary>
    /// Video files only: decode every video once while planning, to count the frames that really decode (catches
    /// truncated files before the pass). Default false: a truncated video's missing clips are reported when read.
    /// </summary>
    public bool CountDecodableFrames { get; init; }

    /// <summary>DeepfakeBench only: skip (and report) videos whose landmark files are missing. Default false (zeros are emitted).</summary>
    public bool RequireLandmarks { get; init; }
}

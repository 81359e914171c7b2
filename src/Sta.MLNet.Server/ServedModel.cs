using Sta.MLNet.MLNet;
using Sta.MLNet.Scoring;

namespace Sta.MLNet.Server;

/// <summary>The network the service scores with, and how it turns videos into clips.</summary>
/// <param name="Detector">The detection stage every worker shares (loaded once).</param>
/// <param name="Scoring">Front end and batch settings; the clip shape must match the network's input.</param>
/// <param name="Description">Names the model in <c>/api/v1/info</c> and the page.</param>
public sealed record ServedModel(StaDetectionTransformer Detector, VideoScoringOptions Scoring, string Description);

namespace Sta.MLNet;

/// <summary>Progress of a <see cref="StaVideoScorer"/> run, reported after each finished video.</summary>
/// <param name="VideosDone">Videos finished (scored or failed).</param>
/// <param name="VideoCount">Videos in the run.</param>
/// <param name="ClipsScored">Clips scored so far.</param>
/// <param name="LastVideo">The video that just finished.</param>
/// <param name="LastVideoIndex">Its position in the scorer's input (videos finish out of order with several front-end workers).</param>
public readonly record struct VideoScoringProgress(int VideosDone, int VideoCount, long ClipsScored, VideoScore LastVideo, int LastVideoIndex);

/// <summary>Receives one scored clip from a <see cref="StaVideoScorer"/> run (<see cref="VideoScoringOptions.ClipScored"/>).</summary>
/// <param name="videoIndex">Position of the clip's video in the scorer's input.</param>
/// <param name="score">The clip's score.</param>
/// <param name="clipCount">Clips the sampling protocol planned for that video.</param>
/// <param name="clip">The clip the network scored, CLIP-normalised [T, 3, S, S]; valid only during the call.</param>
internal delegate void ClipScoredHandler(int videoIndex, ClipScore score, int clipCount, ReadOnlySpan<float> clip);

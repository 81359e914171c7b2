namespace Sta.MLNet;

/// <summary>Progress of a <see cref="StaVideoScorer"/> run, reported after each finished video.</summary>
/// <param name="VideosDone">Videos finished (scored or failed).</param>
/// <param name="VideoCount">Videos in the run.</param>
/// <param name="ClipsScored">Clips scored so far.</param>
/// <param name="LastVideo">The video that just finished.</param>
/// <param name="LastVideoIndex">Its position in the scorer's input (videos finish out of order with several front-end workers).</param>
public readonly record struct VideoScoringProgress(int VideosDone, int VideoCount, long ClipsScored, VideoScore LastVideo, int LastVideoIndex);

namespace Sta.MLNet;

/// <summary>The step of scoring one video at which it failed; carried by <see cref="VideoScoringException.Stage"/>.</summary>
public enum VideoScoringStage
{
    /// <summary>Opening the file and reading its frame count, rate and size.</summary>
    Open,

    /// <summary>Choosing the clips' frames from the frame count.</summary>
    Plan,

    /// <summary>Decoding the frames of one clip.</summary>
    Decode,

    /// <summary>Face detection, landmarks, alignment and normalisation of one clip's decoded frames.</summary>
    Faces,

    /// <summary>The network's forward pass over the video's clips, or an output that is not a finite score.</summary>
    Network,
}

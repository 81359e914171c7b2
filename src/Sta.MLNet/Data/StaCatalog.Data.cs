using Microsoft.ML;

namespace Sta.MLNet;

/// <summary>Data sources and training-data operations of Sta.MLNet, as extensions of <see cref="MLContext"/>.</summary>
public static partial class StaCatalog
{
    /// <summary>
    /// Real-face clips made from still photos (see <see cref="PhotoMotionClipDataView"/>): columns Clip
    /// (CLIP-normalised [T, 3, S, S]), Landmarks ([T, 68, 2]), Label (false) and VideoId; one row per clip of every
    /// video, rendered lazily; the source can shuffle.
    /// </summary>
    /// <param name="mlContext">The context (unused by the source itself; the extension keeps the ML.NET idiom).</param>
    /// <param name="videos">Photos, video ids, motion seeds and clips per video.</param>
    /// <param name="options">Clip length, face size (default 224), motion; see <see cref="PhotoMotionOptions"/>.</param>
    public static IDataView LoadPhotoMotionClips(this MLContext mlContext, IEnumerable<PhotoVideo> videos, PhotoMotionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        return new PhotoMotionClipDataView(videos, options);
    }

    /// <summary>
    /// Every row of <paramref name="data"/> plus, after each real row, a Video-level Blending fake made from it (label
    /// true, IsSynthetic true, VideoId "vb_" + source id); see <see cref="VideoBlendedFakesDataView"/>. For training data
    /// only: never put it in a model you save.
    /// </summary>
    /// <param name="mlContext">The context.</param>
    /// <param name="data">Rows with a CLIP-normalised clip, landmarks and a label (column names in <paramref name="options"/>).</param>
    /// <param name="options">Columns, seed (default 1024), ratio (default 1) and blending constants (default: the
    /// authors' settings scaled to the clip size).</param>
    /// <exception cref="ArgumentOutOfRangeException">A needed column is missing or has the wrong type.</exception>
    public static IDataView AddVideoBlendedFakes(this MLContext mlContext, IDataView data, VideoBlendingDataOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        return new VideoBlendedFakesDataView(data, options);
    }
}

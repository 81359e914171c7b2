using Microsoft.ML;

namespace Sta.MLNet;

/// <summary>
/// Pictures a person would rather look at than read: a sheet of scored clips, a strip showing what Video-level Blending
/// did to a clip, and heat-map strips of the evidence for "fake". One entry point for the three renderers, which live
/// beside the concept they draw (metrics, blending, explanation).
/// </summary>
public static class StaPictures
{
    /// <summary>
    /// Writes a score sheet (PNG recommended) of the first <paramref name="maxRows"/> rows of a scored data view: per
    /// clip a caption (title, true label, P(fake)), a few frames and a bar up to P(fake) with the threshold marked, green
    /// when the decision matches the label, red when not, grey without a label; with both classes present, the
    /// clip-level ROC curve and its AUC on the right.
    /// </summary>
    /// <param name="path">Where to write the picture.</param>
    /// <param name="scored">A data view with a CLIP-normalised clip column [T, 3, H, W] and a probability column, e.g. the
    /// output of a fitted detection pipeline.</param>
    /// <param name="maxRows">At most this many rows are drawn.</param>
    /// <param name="clipColumnName">The clip column.</param>
    /// <param name="probabilityColumnName">The P(fake) column (Single in [0, 1]).</param>
    /// <param name="labelColumnName">The label column (Boolean true = fake, or Single/Double above 0 = fake), or null for none.</param>
    /// <param name="titleColumnName">A text column shown as each row's title (ignored when absent or not text), or null for none.</param>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has the wrong type.</exception>
    /// <exception cref="IOException">The file could not be written.</exception>
    public static void WriteScoreSheet(string path, IDataView scored, int maxRows = 32, string clipColumnName = "Clip",
        string probabilityColumnName = "Probability", string? labelColumnName = "Label", string? titleColumnName = "VideoId") =>
        ClipScoreSheet.Write(path, scored, maxRows, clipColumnName, probabilityColumnName, labelColumnName, titleColumnName);

    /// <summary>
    /// Blends the clip of row <paramref name="row"/> with Video-level Blending and writes a strip (PNG recommended):
    /// columns are frames; rows are the real frames, the blended frames and the four region masks in colour over the
    /// real frame (eyes red, nose green, mouth blue, brows yellow).
    /// </summary>
    /// <param name="path">Where to write the picture.</param>
    /// <param name="clips">A data view with a CLIP-normalised clip column [T, 3, H, W] and a landmarks column [T, 68, 2]
    /// in the clip's pixels, as <c>LoadPhotoMotionClips</c> and <c>LoadDeepfakeBenchClips</c> give.</param>
    /// <param name="row">The row to blend.</param>
    /// <param name="seed">The blend drawn is the one Video-level Blending draws for this seed.</param>
    /// <param name="options">Blending settings; the defaults are the paper's.</param>
    /// <param name="clipColumnName">The clip column.</param>
    /// <param name="landmarksColumnName">The landmarks column.</param>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has the wrong shape, or the data view has no
    /// row <paramref name="row"/>.</exception>
    /// <exception cref="IOException">The file could not be written.</exception>
    public static void WriteBlendingStrip(string path, IDataView clips, long row = 0, ulong seed = 7, VideoBlendOptions? options = null,
        string clipColumnName = "Clip", string landmarksColumnName = "Landmarks") =>
        VbPreview.WriteStrip(path, clips, row, seed, options, clipColumnName, landmarksColumnName);

    /// <summary>
    /// Writes a PNG with a clip's aligned faces side by side on top and, when <paramref name="heat"/> is given, the same
    /// faces with the heat laid over them below (colour and opacity grow with the heat). Small faces are enlarged by
    /// whole-pixel replication so the picture shows the pixels the network saw.
    /// </summary>
    /// <param name="path">Where to write the picture.</param>
    /// <param name="faces">The aligned faces, e.g. <see cref="ClipEvidence.Faces"/>.</param>
    /// <param name="heat">The clip's heat map, e.g. <see cref="ClipEvidence.HeatMap"/>, or null for the faces only.</param>
    /// <param name="patchSize">The network's patch size in input pixels (<see cref="StaExplainer.PatchSize"/>): sets how
    /// far the heat is spread for display.</param>
    /// <param name="frameSize">Size of each frame in the picture; by default the clip's size from 112 px up, otherwise the
    /// smallest whole multiple of it that reaches 112 px.</param>
    /// <exception cref="IOException">The file could not be written.</exception>
    public static void WriteHeatMapStrip(string path, RgbClip faces, ClipExplanation? heat, int patchSize, int? frameSize = null) =>
        HeatMapImages.WriteStrip(path, faces, heat, patchSize, frameSize);
}

using Microsoft.ML;
using Microsoft.ML.Data;

namespace Sta.MLNet;

/// <summary>
/// A data view's CLIP-normalised clip column ([T, 3, H, W] Single, as the clip sources and <c>ExtractFaceClip</c> give)
/// read back as displayable RGB bytes: what the pictures (score sheets, VB strips) need from a row.
/// </summary>
internal static class NormalizedClipColumn
{
    /// <summary>The column and its clip shape; throws when it is missing or not [T, 3, H, W] Single.</summary>
    public static (DataViewSchema.Column Column, int Frames, int Height, int Width) Require(DataViewSchema schema, string name, string paramName)
    {
        var column = schema.GetColumnOrNull(name) ?? throw new ArgumentOutOfRangeException(paramName, $"Could not find column '{name}'.");
        if (column.Type is not VectorDataViewType { ItemType: var item, Dimensions: { Length: 4 } dims } || item != NumberDataViewType.Single || dims[1] != 3)
            throw new ArgumentOutOfRangeException(paramName, $"Column '{name}' must be Vector<Single> [T, 3, H, W]; got {column.Type}.");
        return (column, dims[0], dims[2], dims[3]);
    }

    /// <summary>One clip of the column denormalised back to RGB bytes [T, H, W, 3].</summary>
    public static RgbClip ToRgb(in VBuffer<float> clip, int frames, int height, int width)
    {
        var rgb = RgbClip.Zeros(frames, height, width);
        ClipNormalization.Denormalize(clip.DenseValues().ToArray(), rgb.Pixels, frames, height, width);
        return rgb;
    }
}

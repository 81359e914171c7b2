using System.Collections;
using Microsoft.ML;
using Microsoft.ML.Data;
using Sta.MLNet.Cli.Faces;
using Sta.MLNet.Model;

namespace Sta.MLNet.Cli.Training;

/// <summary>
/// Training or evaluation clips produced lazily, one at a time, every time they are enumerated (nothing is cached, so
/// memory stays flat whatever the dataset size), and exposed to ML.NET as a data view with the columns the StA
/// trainer reads.
/// </summary>
internal abstract class ClipRowSource(StaNetworkOptions network, bool withLandmarks) : IEnumerable<ClipRow>
{
    protected StaNetworkOptions Network { get; } = network;

    /// <summary>Whether rows carry landmarks (needed for Video-level Blending).</summary>
    protected bool WithLandmarks { get; } = withLandmarks;

    /// <summary>Clips planned (rows may be fewer where a clip turns out unusable while it is decoded).</summary>
    public abstract int ClipCount { get; }

    /// <summary>The data view: Clip [T, 3, H, W], Label, VideoId and, with landmarks, Landmarks [T, 68, 2].</summary>
    public IDataView ToDataView(MLContext mlContext)
    {
        var schema = SchemaDefinition.Create(typeof(ClipRow));
        schema[nameof(ClipRow.Clip)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, Network.NumFrames, 3, Network.InputResolution, Network.InputResolution);
        if (WithLandmarks)
            schema[nameof(ClipRow.Landmarks)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, Network.NumFrames, FaceCropper.LandmarkPoints, 2);
        else
            schema.Remove(schema[nameof(ClipRow.Landmarks)]);
        return mlContext.Data.LoadFromEnumerable(this, schema);
    }

    public abstract IEnumerator<ClipRow> GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

using Microsoft.ML;

namespace Sta.MLNet;

public static partial class StaCatalog
{
    /// <summary>
    /// Registers Sta.MLNet's stages with <paramref name="mlContext"/> so that <c>mlContext.Model.Load</c> can read models
    /// that contain them. ML.NET looks a saved stage's loader up in the context's ComponentCatalog, which a library
    /// outside ML.NET cannot join by attribute, so call this once per <see cref="MLContext"/> before loading (or use
    /// <see cref="LoadStaModel(MLContext, string, out DataViewSchema)"/>). Idempotent and cheap on repeated calls; call it
    /// before using the context from several threads. Saving needs no registration.
    /// </summary>
    /// <exception cref="NotSupportedException">
    /// The Microsoft.ML loaded in this process is not of a release line this library is verified on (5.0.x, 6.0.x); the
    /// message names both. The same check guards saving.
    /// </exception>
    public static void RegisterStaStages(this MLContext mlContext) => StaMLNet.Register(mlContext);

    /// <summary>
    /// Loads a saved model that may contain Sta.MLNet stages: <see cref="RegisterStaStages"/>, then
    /// <c>mlContext.Model.Load(path, out inputSchema)</c>. The last transformer of a saved detection pipeline is a
    /// <see cref="StaDetectionTransformer"/>.
    /// </summary>
    /// <exception cref="NotSupportedException">As for <see cref="RegisterStaStages"/>.</exception>
    public static ITransformer LoadStaModel(this MLContext mlContext, string path, out DataViewSchema inputSchema) =>
        StaMLNet.LoadModel(mlContext, path, out inputSchema);

    /// <summary><see cref="RegisterStaStages"/>, then <c>mlContext.Model.Load(stream, out inputSchema)</c>.</summary>
    /// <exception cref="NotSupportedException">As for <see cref="RegisterStaStages"/>.</exception>
    public static ITransformer LoadStaModel(this MLContext mlContext, Stream stream, out DataViewSchema inputSchema) =>
        StaMLNet.LoadModel(mlContext, stream, out inputSchema);
}

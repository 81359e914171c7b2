using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace Sta.MLNet;

/// <summary>
/// A transformer that ML.NET can load from a saved model. Implement it on the transformer class and add one line
/// <c>LoadableStage.Of&lt;T&gt;()</c> to <see cref="StaMLNet"/>'s stage list (or register a stage of another assembly
/// with <see cref="StaMLNet.RegisterStage{TStage}"/>).
/// </summary>
internal interface ILoadableStage<TSelf> where TSelf : class, ITransformer, ILoadableStage<TSelf>
{
    /// <summary>The persistence format this code writes and the versions it reads.</summary>
    static abstract StageVersionInfo FormatVersion { get; }

    /// <summary>
    /// Re-creates the stage from what its save wrote. The header is already checked and <see cref="StageLoadContext.Reader"/>
    /// is positioned after the format version; branch on <see cref="StageLoadContext.FormatVersion"/> for old formats.
    /// </summary>
    static abstract TSelf Load(IHostEnvironment env, StageLoadContext context);
}

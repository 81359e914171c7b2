using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace Sta.MLNet;

/// <summary>
/// Makes Sta.MLNet's stages loadable by <c>mlContext.Model.Load</c> (users reach it through
/// <see cref="StaCatalog.RegisterStaStages"/> and <see cref="StaCatalog.LoadStaModel(MLContext, string, out DataViewSchema)"/>).
/// ML.NET finds a saved stage's loader in the ComponentCatalog of the <see cref="MLContext"/> that loads it, and
/// third-party assemblies cannot declare themselves to it (<c>[LoadableClass]</c> is internal; see docs/persistence.md).
/// </summary>
internal static class StaMLNet
{
    /// <summary>
    /// Every loadable stage of this library. A new stage adds exactly one line here (and implements
    /// <see cref="ILoadableStage{TSelf}"/>).
    /// </summary>
    internal static IReadOnlyList<LoadableStage> Stages { get; } =
    [
        LoadableStage.Of<ClipNormalizingTransformer>(),
        LoadableStage.Of<StaDetectionTransformer>(),
        LoadableStage.Of<VideoClipLoadingTransformer>(),
    ];

    private static readonly ConditionalWeakTable<ComponentCatalog, Dictionary<string, Type>> Registered = new();

    /// <summary>
    /// Simple names this library's assembly had in earlier releases (none yet). Saved models name their loader assembly;
    /// if the assembly is ever renamed, add the old name here so that old models still find it (docs/persistence.md).
    /// </summary>
    private static readonly string[] FormerAssemblyNames = [];

    private static int _resolverInstalled;

    /// <summary>
    /// Registers every stage of <see cref="Stages"/> with <paramref name="mlContext"/>'s ComponentCatalog. Idempotent
    /// and cheap on repeated calls. Call it before using the context from several threads.
    /// </summary>
    /// <exception cref="NotSupportedException">
    /// The Microsoft.ML loaded in this process is not of a release line this library is verified on (5.0.x, 6.0.x); the
    /// message names both. The same check guards saving.
    /// </exception>
    public static void Register(MLContext mlContext) => RegisterStages(mlContext, Stages);

    /// <summary>Registers one stage defined outside this library (e.g. in an application or a test assembly).</summary>
    internal static void RegisterStage<TStage>(MLContext mlContext) where TStage : class, ITransformer, ILoadableStage<TStage> =>
        RegisterStages(mlContext, [LoadableStage.Of<TStage>()]);

    /// <summary>Registers the given stages; a loader signature already taken by another type is an error.</summary>
    internal static void RegisterStages(MLContext mlContext, IEnumerable<LoadableStage> stages)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(stages);
        MLNetVersionSupport.RequireVerified();
        InstallAssemblyResolver();
        var catalog = mlContext.ComponentCatalog;
        var known = Registered.GetValue(catalog, _ => new Dictionary<string, Type>(StringComparer.OrdinalIgnoreCase));
        lock (known)
        {
            foreach (var stage in stages)
            {
                if (known.TryGetValue(stage.Version.LoaderSignature, out var existing))
                {
                    if (existing != stage.StageType)
                        throw new InvalidOperationException(
                            $"Loader signature '{stage.Version.LoaderSignature}' is already registered for {existing.FullName}; " +
                            $"{stage.StageType.FullName} needs a different one.");
                    continue;
                }
                MLNetInternals.AddLoadModelClass(catalog, stage.StageType, stage.Version.LoaderSignature, stage.CreateMethod());
                known.Add(stage.Version.LoaderSignature, stage.StageType);
            }
        }
    }

    /// <summary><see cref="Register"/>, then <c>mlContext.Model.Load(path, out inputSchema)</c>.</summary>
    /// <exception cref="NotSupportedException">As for <see cref="Register"/>.</exception>
    public static ITransformer LoadModel(MLContext mlContext, string path, out DataViewSchema inputSchema)
    {
        Register(mlContext);
        return mlContext.Model.Load(path, out inputSchema);
    }

    /// <summary><see cref="Register"/>, then <c>mlContext.Model.Load(stream, out inputSchema)</c>.</summary>
    /// <exception cref="NotSupportedException">As for <see cref="Register"/>.</exception>
    public static ITransformer LoadModel(MLContext mlContext, Stream stream, out DataViewSchema inputSchema)
    {
        Register(mlContext);
        return mlContext.Model.Load(stream, out inputSchema);
    }

    /// <summary>
    /// Before looking a stage up, ML.NET calls <c>Assembly.Load</c> with the loader assembly's full name stored in the
    /// model. .NET's default binder refuses a request for a higher AssemblyVersion than the one present, so a model saved
    /// by a later release would not load although its stage formats are readable (format versions are checked
    /// separately, with a clear "too new" message). This resolver answers requests for this assembly's name, any
    /// version, and for <see cref="FormerAssemblyNames"/>, with the loaded assembly.
    /// </summary>
    private static void InstallAssemblyResolver()
    {
        if (Interlocked.Exchange(ref _resolverInstalled, 1) == 1) return;
        var self = typeof(StaMLNet).Assembly;
        var ownName = self.GetName().Name;
        AssemblyLoadContext.Default.Resolving += (_, requested) =>
            requested.Name is { } name && (name == ownName || FormerAssemblyNames.Contains(name)) ? self : null;
    }
}

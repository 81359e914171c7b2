using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace Sta.MLNet;

/// <summary>One entry of the list of stages that <see cref="StaMLNet.Register"/> adds to an ML.NET ComponentCatalog.</summary>
internal sealed class LoadableStage
{
    private LoadableStage(Type stageType, StageVersionInfo version, Func<MethodInfo> createMethod)
    {
        StageType = stageType;
        Version = version;
        _createMethod = createMethod;
    }

    private readonly Func<MethodInfo> _createMethod;

    /// <summary>The transformer type that is created on load.</summary>
    public Type StageType { get; }

    /// <summary>Its persistence format (the loader signature is the catalog key).</summary>
    public StageVersionInfo Version { get; }

    /// <summary>Describes <typeparamref name="TStage"/>.</summary>
    public static LoadableStage Of<TStage>() where TStage : class, ITransformer, ILoadableStage<TStage>
    {
        var version = TStage.FormatVersion;
        version.Validate();
        // ML.NET looks for a static Create(IHostEnvironment, ModelLoadContext); ModelLoadContext is internal and cannot
        // be named here, so a generic method is closed over it at run time.
        return new LoadableStage(typeof(TStage), version, () => typeof(StageLoader<TStage>)
            .GetMethod(nameof(StageLoader<TStage>.Create), BindingFlags.Static | BindingFlags.Public)!
            .MakeGenericMethod(MLNetInternals.Get().ModelLoadContextType));
    }

    internal MethodInfo CreateMethod() => _createMethod();
}

/// <summary>The static factory ML.NET's catalog invokes with (environment, ModelLoadContext).</summary>
internal static class StageLoader<TStage> where TStage : class, ITransformer, ILoadableStage<TStage>
{
    public static TStage Create<TContext>(IHostEnvironment env, TContext context) where TContext : class
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(context);
        return TStage.Load(env, StageLoadContext.Begin(context, TStage.FormatVersion));
    }
}

using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace Sta.MLNet;

/// <summary>
/// The only place in Sta.MLNet that touches non-public members of Microsoft.ML.Core. ML.NET (5.0 and 6.0) offers no public way
/// for a third-party transformer to write its own model stream or to be found again by <c>Model.Load</c>
/// (<c>ModelSaveContext</c>'s members, <c>ModelLoadContext</c>, <c>LoadableClassAttribute</c> and the catalog's
/// <c>AddClass</c> are internal). The members below are resolved once, by name and exact signature; if any is missing
/// the first use throws <see cref="NotSupportedException"/> naming it, instead of failing somewhere inside a save or load.
/// Training reads one more internal member here: the cancellation flag behind <c>MLContext.CancelExecution()</c>.
/// Their signatures are unchanged from ML.NET 1.5 to 6.0. The bridge is used only under the ML.NET release lines
/// listed in <see cref="MLNetVersionSupport"/>, so that supporting a new one is a deliberate act that re-runs the
/// persistence tests.
/// </summary>
internal static class MLNetInternals
{
    private const BindingFlags InstanceMembers = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;
    private static readonly Lazy<Members> Resolved = new(() => Resolve(typeof(ModelSaveContext).Assembly), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// All bridged members; throws <see cref="NotSupportedException"/> when the loaded ML.NET is not of a verified
    /// release line or a member is missing.
    /// </summary>
    public static Members Get()
    {
        MLNetVersionSupport.RequireVerified();
        return Resolved.Value;
    }

    internal sealed record Members(
        ConstructorInfo VersionInfoConstructor,
        MethodInfo SaveCheckAtModel,
        MethodInfo SaveSetVersionInfo,
        FieldInfo SaveWriter,
        MethodInfo SaveBinaryStream,
        Type ModelLoadContextType,
        MethodInfo LoadCheckAtModel,
        FieldInfo LoadReader,
        MethodInfo LoadTryLoadBinaryStream,
        Type SignatureLoadModelType,
        ConstructorInfo LoadableClassAttributeConstructor,
        ConstructorInfo LoadableClassInfoConstructor,
        MethodInfo CatalogAddClass);

    /// <summary>Resolves every bridged member in <paramref name="core"/> (Microsoft.ML.Core; a parameter for the self-check test).</summary>
    internal static Members Resolve(Assembly core)
    {
        var saveContext = RequireType(core, "Microsoft.ML.ModelSaveContext");
        var catalog = RequireType(core, "Microsoft.ML.Runtime.ComponentCatalog");

        var versionInfo = RequireType(core, "Microsoft.ML.VersionInfo");
        var loadContext = RequireType(core, "Microsoft.ML.ModelLoadContext");
        var signatureLoadModel = RequireType(core, "Microsoft.ML.SignatureLoadModel");
        var loadableClassAttribute = RequireType(core, "Microsoft.ML.LoadableClassAttribute");
        var loadableClassAttributeBase = RequireType(core, "Microsoft.ML.LoadableClassAttributeBase");
        var loadableClassInfo = RequireType(core, "Microsoft.ML.Runtime.ComponentCatalog+LoadableClassInfo");

        return new Members(
            RequireConstructor(versionInfo,
                typeof(string), typeof(uint), typeof(uint), typeof(uint), typeof(string), typeof(string), typeof(string)),
            RequireMethod(saveContext, "CheckAtModel"),
            RequireMethod(saveContext, "SetVersionInfo", versionInfo),
            RequireField(saveContext, "Writer", typeof(BinaryWriter)),
            RequireMethod(saveContext, "SaveBinaryStream", typeof(string), typeof(Action<BinaryWriter>)),
            loadContext,
            RequireMethod(loadContext, "CheckAtModel", versionInfo),
            RequireField(loadContext, "Reader", typeof(BinaryReader)),
            RequireMethod(loadContext, "TryLoadBinaryStream", typeof(string), typeof(Action<BinaryReader>)),
            signatureLoadModel,
            RequireConstructor(loadableClassAttribute,
                typeof(Type), typeof(Type), typeof(Type), typeof(string), typeof(string[])),
            RequireConstructor(loadableClassInfo,
                loadableClassAttributeBase, typeof(MethodInfo), typeof(ConstructorInfo), typeof(MethodInfo), typeof(bool)),
            RequireMethod(catalog, "AddClass", loadableClassInfo, typeof(string[]), typeof(bool)));
    }

    /// <summary>Creates an ML.NET <c>VersionInfo</c> for the given stage format and loader assembly.</summary>
    public static object CreateVersionInfo(StageVersionInfo version, string loaderAssemblyName) =>
        Invoke(() => Get().VersionInfoConstructor.Invoke(
        [
            version.ModelSignature, version.VerWrittenCur, version.VerReadableCur, version.VerWeCanReadBack,
            loaderAssemblyName, version.LoaderSignature, null,
        ]));

    /// <summary>
    /// Adds one loadable class (a <c>SignatureLoadModel</c> loader) to <paramref name="catalog"/>: the equivalent of an
    /// <c>[assembly: LoadableClass(typeof(T), null, typeof(SignatureLoadModel), "", loaderSignature)]</c> that
    /// <c>RegisterAssembly</c> would find, with <paramref name="create"/> as the static factory
    /// <c>(IHostEnvironment, ModelLoadContext)</c>.
    /// </summary>
    public static void AddLoadModelClass(ComponentCatalog catalog, Type instanceType, string loaderSignature, MethodInfo create)
    {
        var members = Get();
        Invoke<object?>(() =>
        {
            var attribute = members.LoadableClassAttributeConstructor.Invoke(
                [instanceType, null, members.SignatureLoadModelType, "", new[] { loaderSignature }]);
            var info = members.LoadableClassInfoConstructor.Invoke([attribute, null, null, create, true]);
            members.CatalogAddClass.Invoke(catalog, [info, new[] { loaderSignature }, true]);
            return null;
        });
    }

    private static readonly Lazy<PropertyInfo> CancelledFlag = new(() => ResolveCancelledFlag(typeof(ModelSaveContext).Assembly),
        LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// True once <c>MLContext.CancelExecution()</c> has reached <paramref name="host"/>: ML.NET's internal
    /// <c>ICancelable.IsCanceled</c>, the flag its own trainers test with <c>CheckAlive</c> (also internal) at every step.
    /// A host that is not cancelable never is.
    /// </summary>
    public static bool IsCancelled(IHostEnvironment host)
    {
        var flag = CancelledFlag.Value;
        return flag.DeclaringType!.IsInstanceOfType(host) && (bool)flag.GetValue(host)!;
    }

    /// <summary>Finds <c>ICancelable.IsCanceled</c> in <paramref name="core"/> (a parameter for the self-check test).</summary>
    internal static PropertyInfo ResolveCancelledFlag(Assembly core)
    {
        var cancelable = RequireType(core, "Microsoft.ML.Runtime.ICancelable");
        var property = cancelable.GetProperty("IsCanceled", InstanceMembers);
        return property is not null && property.PropertyType == typeof(bool)
            ? property
            : throw Missing($"property {cancelable.FullName}.IsCanceled");
    }

    /// <summary>Unwraps <see cref="TargetInvocationException"/> so callers see ML.NET's own exception.</summary>
    public static T Invoke<T>(Func<T> call)
    {
        try
        {
            return call();
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
    }

    private static string VersionText =>
        typeof(MLContext).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(MLContext).Assembly.GetName().Version?.ToString() ?? "unknown";

    private static NotSupportedException Missing(string member) => new(
        $"Unsupported ML.NET version {VersionText} (Sta.MLNet is verified on {MLNetVersionSupport.VerifiedText}): the " +
        $"persistence bridge cannot find {member} in Microsoft.ML.Core. Reference Microsoft.ML {MLNetVersionSupport.VerifiedText}.");

    private static Type RequireType(Assembly assembly, string name) =>
        assembly.GetType(name, throwOnError: false) ?? throw Missing($"type {name}");

    private static ConstructorInfo RequireConstructor(Type type, params Type[] parameters) =>
        type.GetConstructor(InstanceMembers, binder: null, parameters, modifiers: null)
        ?? throw Missing($"constructor {type.FullName}({string.Join(", ", parameters.Select(p => p.Name))})");

    private static MethodInfo RequireMethod(Type type, string name, params Type[] parameters) =>
        type.GetMethod(name, InstanceMembers, binder: null, parameters, modifiers: null)
        ?? throw Missing($"method {type.FullName}.{name}({string.Join(", ", parameters.Select(p => p.Name))})");

    private static FieldInfo RequireField(Type type, string name, Type fieldType)
    {
        var field = type.GetField(name, InstanceMembers);
        return field is not null && field.FieldType == fieldType
            ? field
            : throw Missing($"field {type.FullName}.{name} of type {fieldType.Name}");
    }
}

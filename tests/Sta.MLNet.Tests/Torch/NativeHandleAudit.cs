using Mono.Cecil;
using Mono.Cecil.Cil;

namespace Sta.MLNet.Tests.Torch;

/// <summary>
/// Finds, in a compiled assembly, every place that hands libtorch a Scalar nobody keeps alive (docs/reliability.md,
/// "Native handles"). TorchSharp 0.107 passes a Scalar's handle to native code as a raw pointer and does not keep the
/// Scalar reachable during the call, so the GC may finalize it while libtorch reads it. Two ways to create such a
/// temporary are flagged:
/// <list type="bullet">
/// <item>our own code converting a number to a <c>Scalar</c> (or to a <c>Tensor</c>) implicitly or with <c>ToScalar()</c>,
/// anywhere but in the one type allowed to own Scalars;</item>
/// <item>our code calling a TorchSharp member that creates such a Scalar inside TorchSharp (found by reading TorchSharp's
/// IL transitively: <c>a + b</c> calls <c>add(b, 1)</c>, <c>BatchNorm.forward</c> calls <c>add_(1)</c>, …);</item>
/// <item>our code holding a TorchSharp module (field, local or parameter) whose <c>forward</c> does so. Module calls compile to
/// the virtual <c>Module.forward</c>, so the module's own override is judged by the type we hold.</item>
/// </list>
/// The audit reads the TorchSharp.dll that ships beside the assembly, so a TorchSharp upgrade is re-audited.
/// </summary>
internal sealed class NativeHandleAudit
{
    private const string TorchSharpAssembly = "TorchSharp";
    private readonly Dictionary<string, string?> _insideTorchSharp = new(StringComparer.Ordinal);
    private readonly HashSet<string> _inProgress = new(StringComparer.Ordinal);

    /// <param name="allowedOwnerTypes">
    /// Full names (Cecil's, nested types after '/') of the types whose methods, and those of the types nested in them,
    /// may create Scalars: the type that holds them for the call, and in tests the code that makes garbage on purpose.
    /// </param>
    public NativeHandleAudit(params string[] allowedOwnerTypes)
    {
        AllowedOwnerTypes = allowedOwnerTypes;
    }

    public IReadOnlyList<string> AllowedOwnerTypes { get; }

    /// <summary>Every violation in <paramref name="assemblyPath"/> as "where: what".</summary>
    public IReadOnlyList<string> Audit(string assemblyPath)
    {
        var resolver = new DefaultAssemblyResolver();
        resolver.AddSearchDirectory(Path.GetDirectoryName(assemblyPath)!);
        var hasSymbols = File.Exists(Path.ChangeExtension(assemblyPath, ".pdb"));
        using var assembly = AssemblyDefinition.ReadAssembly(assemblyPath,
            new ReaderParameters { AssemblyResolver = resolver, ReadSymbols = hasSymbols });
        var violations = new List<string>();
        foreach (var type in assembly.MainModule.GetTypes())
        {
            bool owner = EnclosingTypes(type).Any(t => AllowedOwnerTypes.Contains(t.FullName));
            foreach (var field in type.Fields)
                if (ProblemOfHeldModule(field.FieldType) is { } problem)
                    violations.Add($"{type.FullName}.{field.Name}: holds a {field.FieldType.Name} whose {problem}");
            foreach (var method in type.Methods.Where(m => m.HasBody))
            {
                foreach (var held in method.Body.Variables.Select(v => v.VariableType).Concat(method.Parameters.Select(p => p.ParameterType)))
                    if (ProblemOfHeldModule(held) is { } problem)
                        violations.Add($"{Describe(method, method.Body.Instructions[0])}: uses a {held.Name} whose {problem}");
                foreach (var instruction in method.Body.Instructions)
                {
                    if (instruction.Operand is not MethodReference callee) continue;
                    string? problem = CreatesTemporary(callee) is { } created
                        ? owner ? null : $"creates a {created} that nothing keeps alive during the native call"
                        : IsTorchSharp(callee) ? ProblemInsideTorchSharp(callee) : null;
                    if (problem is not null)
                        violations.Add($"{Describe(method, instruction)}: {Name(callee)} {problem}");
                }
            }
        }
        return violations;
    }

    /// <summary>
    /// For a TorchSharp module type (or a generic type over one, such as a module list), why its <c>forward</c> hands
    /// libtorch an unowned Scalar; null when it does not or the type is no TorchSharp module.
    /// </summary>
    private string? ProblemOfHeldModule(TypeReference type)
    {
        if (type is GenericInstanceType generic)
            return generic.GenericArguments.Select(ProblemOfHeldModule).FirstOrDefault(p => p is not null);
        if (type.Scope?.Name != TorchSharpAssembly && !(type.Scope is ModuleDefinition m && m.Assembly.Name.Name == TorchSharpAssembly)) return null;
        TypeDefinition? definition;
        try
        {
            definition = type.Resolve();
        }
        catch (AssemblyResolutionException)
        {
            return null;
        }
        for (var current = definition; current is not null; current = current.BaseType?.Resolve())
        {
            var forward = current.Methods.FirstOrDefault(f => f.Name == "forward" && f.HasBody);
            if (forward is not null)
                return ProblemInsideTorchSharp(forward) is { } problem ? $"{Name(forward)} {problem}" : null;
        }
        return null;
    }

    /// <summary>"Scalar" or "Tensor" when the call makes a temporary of that type from a number; otherwise null.</summary>
    private static string? CreatesTemporary(MethodReference callee)
    {
        var declaring = callee.DeclaringType.FullName;
        if (declaring == "TorchSharp.Scalar" && callee.Name == "op_Implicit") return "Scalar";
        if (declaring == "TorchSharp.ScalarExtensionMethods" && callee.Name == "ToScalar") return "Scalar";
        if (declaring == "TorchSharp.torch/Tensor" && callee.Name == "op_Implicit" && !IsTensor(callee.Parameters[0].ParameterType)) return "Tensor";
        return null;
    }

    private static bool IsTensor(TypeReference type) => type.FullName == "TorchSharp.torch/Tensor";

    private static bool IsTorchSharp(MethodReference method) =>
        method.DeclaringType.Scope is { } scope &&
        (scope.Name == TorchSharpAssembly || scope is ModuleDefinition module && module.Assembly.Name.Name == TorchSharpAssembly);

    /// <summary>
    /// Why calling this TorchSharp member hands libtorch an unowned Scalar (the chain of calls down to where it is created),
    /// or null when it does not. A method that disposes the Scalars it creates is taken to own them.
    /// </summary>
    private string? ProblemInsideTorchSharp(MethodReference reference)
    {
        MethodDefinition? method;
        try
        {
            method = reference.Resolve();
        }
        catch (AssemblyResolutionException)
        {
            return null;
        }
        if (method is null || !method.HasBody) return null;
        var key = method.FullName;
        if (_insideTorchSharp.TryGetValue(key, out var known)) return known;
        if (!_inProgress.Add(key)) return null; // recursion: judged by its other paths
        string? problem = null;
        var instructions = method.Body.Instructions;
        bool disposesScalars = instructions.Any(i => i.Operand is MethodReference m &&
            m.DeclaringType.FullName == "TorchSharp.Scalar" && m.Name == "Dispose");
        foreach (var instruction in instructions)
        {
            if (instruction.Operand is not MethodReference callee) continue;
            if (CreatesTemporary(callee) == "Scalar" && !disposesScalars)
            {
                problem = $"(creates a Scalar inside TorchSharp in {Name(method)})";
                break;
            }
            if (IsTorchSharp(callee) && !ReferenceEquals(callee, reference) && ProblemInsideTorchSharp(callee) is { } inner)
            {
                problem = $"→ {Name(callee)} {inner}";
                break;
            }
        }
        _inProgress.Remove(key);
        _insideTorchSharp[key] = problem;
        return problem;
    }

    private static IEnumerable<TypeDefinition> EnclosingTypes(TypeDefinition type)
    {
        for (var current = type; current is not null; current = current.DeclaringType) yield return current;
    }

    private static string Name(MethodReference method)
    {
        var type = method.DeclaringType.Name;
        var parameters = string.Join(", ", method.Parameters.Select(p => p.ParameterType.Name));
        return $"{type}.{method.Name}({parameters})";
    }

    private static string Describe(MethodDefinition method, Instruction instruction)
    {
        var where = $"{method.DeclaringType.FullName}.{method.Name}";
        var debug = method.DebugInformation;
        if (!debug.HasSequencePoints) return where;
        SequencePoint? point = null;
        for (var i = instruction; i is not null && point is null; i = i.Previous)
            point = debug.GetSequencePoint(i) is { IsHidden: false } found ? found : null;
        return point is null ? where : $"{where} ({Path.GetFileName(point.Document.Url)}:{point.StartLine})";
    }
}

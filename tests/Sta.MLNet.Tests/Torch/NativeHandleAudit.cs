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
/// The same holds for every other object whose handle TorchSharp passes on without keeping the object alive. Two more
/// patterns are flagged:
/// <list type="bullet">
/// <item>a <c>Generator</c> created in a method that neither disposes it (<c>using</c>), nor stores it in a field, nor returns
/// it: after its last use the GC may finalize it while libtorch is still drawing from it;</item>
/// <item>with <see cref="TensorTemporaries"/> on (test code, where no entry point opens scopes), a <c>Tensor</c> returned by
/// one call and handed straight to a TorchSharp member (as an argument or as the instance) in a method that opens no
/// dispose scope: nothing owns it, so it may be finalized during the native call (<c>p.copy_(randn(s).Multiply(0.1))</c>);
/// and, in the same methods, a Tensor made by a call and kept in a local that is neither disposed nor returned.
/// The library is covered for this by <c>DisposeScopeCoverageTests</c>, which checks its entry points at run time.</item>
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

    /// <summary>Also flag unowned Tensor temporaries passed to TorchSharp outside a dispose scope (see the class remarks).</summary>
    public bool TensorTemporaries { get; init; }

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
                var flow = StackFlow.Of(method);
                violations.AddRange(UnownedGenerators(method, flow));
                if (TensorTemporaries && !OpensDisposeScope(method))
                {
                    violations.AddRange(UnownedTensorArguments(method, flow));
                    violations.AddRange(UnownedTensorLocals(method, flow));
                }
            }
        }
        return violations;
    }

    private static bool IsGenerator(TypeReference type) => type.FullName == "TorchSharp.torch/Generator";

    /// <summary>Generators this method creates and then lets go of while libtorch may still use them.</summary>
    private static IEnumerable<string> UnownedGenerators(MethodDefinition method, StackFlow flow)
    {
        // Owned: disposed here (a using), kept in a field, or handed to the caller.
        var disposedLocals = DisposedLocals(method, flow);
        foreach (var created in method.Body.Instructions.Where(i =>
                     i.OpCode.Code == Code.Newobj && i.Operand is MethodReference ctor && IsGenerator(ctor.DeclaringType)))
        {
            var next = created.Next;
            while (next is not null && next.OpCode.Code is Code.Br or Code.Br_S) next = (Instruction)next.Operand; // a ?: join
            if (next is null) continue;
            if (next.OpCode.Code is Code.Stfld or Code.Stsfld or Code.Ret) continue;
            if (StoredLocal(method, next) is { } local && disposedLocals.Contains(local)) continue;
            yield return $"{Describe(method, created)}: creates a Generator it never disposes (use `using`): the GC may finalize it while libtorch draws from it";
        }
    }

    /// <summary>Tensors made by one call and passed straight to a TorchSharp member, owned by nobody.</summary>
    private static IEnumerable<string> UnownedTensorArguments(MethodDefinition method, StackFlow flow)
    {
        foreach (var (instruction, producers) in flow.Consumers)
        {
            if (instruction.Operand is not MethodReference callee || !IsTorchSharp(callee)) continue;
            foreach (var producer in producers)
            {
                if (TensorMadeBy(producer) is { } made)
                    yield return $"{Describe(method, instruction)}: {Name(callee)} is handed the Tensor that {Name(made)} returned, which nothing owns " +
                        "(no dispose scope is open in this method and it is not held in a using): the GC may finalize it during the native call";
            }
        }
    }

    /// <summary>
    /// Tensors made here, kept in a local that is neither disposed (a using) nor returned: after its last use the GC may
    /// finalize it, and that last use is typically a native call (<c>var y = x.abs(); x.copy_(y);</c>).
    /// </summary>
    private static IEnumerable<string> UnownedTensorLocals(MethodDefinition method, StackFlow flow)
    {
        var disposed = DisposedLocals(method, flow);
        var handedOn = method.Body.Instructions
            .Where(i => i.Next?.OpCode.Code is Code.Ret or Code.Stfld or Code.Stsfld)
            .Select(i => LocalLoaded(method, i)).OfType<VariableDefinition>().ToHashSet();
        foreach (var instruction in method.Body.Instructions)
        {
            if (StoredLocal(method, instruction) is not { } local || !IsTensor(local.VariableType)) continue;
            if (disposed.Contains(local) || handedOn.Contains(local)) continue;
            if (TensorMadeBy(instruction.Previous) is { } made)
                yield return $"{Describe(method, instruction)}: keeps the Tensor that {Name(made)} returned in a local it never disposes " +
                    "(no dispose scope is open in this method): after its last use the GC may finalize it during a native call";
        }
    }

    /// <summary>The call, when <paramref name="producer"/> is a call that makes a new Tensor.</summary>
    /// <remarks>A property of one of our own types returns a tensor that its object holds (StaOutput.Probability);
    /// TorchSharp's getters (grad, an indexer) make a new Tensor each time and count.</remarks>
    private static MethodReference? TensorMadeBy(Instruction? producer) =>
        producer?.Operand is MethodReference made && producer.OpCode.Code is Code.Call or Code.Callvirt && IsTensor(made.ReturnType)
        && !(made.Name.StartsWith("get_", StringComparison.Ordinal) && !IsTorchSharp(made))
            ? made
            : null;

    /// <summary>Locals whose value a <c>Dispose</c> call consumes (what a <c>using</c> compiles to).</summary>
    private static HashSet<VariableDefinition> DisposedLocals(MethodDefinition method, StackFlow flow) => flow.Consumers
        .Where(c => c.Instruction.Operand is MethodReference { Name: "Dispose" } && c.Producers.Count == 1)
        .Select(c => LocalLoaded(method, c.Producers[0]))
        .OfType<VariableDefinition>()
        .ToHashSet();

    /// <summary>Whether the method, or the method a lambda or local function of it belongs to, opens a dispose scope.</summary>
    private static bool OpensDisposeScope(MethodDefinition method)
    {
        static bool Opens(MethodDefinition m) => m.HasBody && m.Body.Instructions.Any(i =>
            i.Operand is MethodReference { Name: "NewDisposeScope" } callee && IsTorchSharp(callee));
        if (Opens(method)) return true;
        // Compiler-generated bodies are named <Outer>b__… (lambdas) or <Outer>g__Name|… (local functions).
        if (!method.Name.StartsWith('<')) return false;
        // A lambda inside a local function is named after the outermost method, so its local functions count too.
        var outer = method.Name[1..method.Name.IndexOf('>')];
        return EnclosingTypes(method.DeclaringType).SelectMany(t => t.Methods).Any(m =>
            (m.Name == outer || m.Name.StartsWith($"<{outer}>g__", StringComparison.Ordinal)) && Opens(m));
    }

    private static VariableDefinition? LocalLoaded(MethodDefinition method, Instruction? instruction) => LocalAccessed(method, instruction, "ldloc");

    private static VariableDefinition? StoredLocal(MethodDefinition method, Instruction? instruction) => LocalAccessed(method, instruction, "stloc");

    /// <summary>The local that an <c>ldloc</c>/<c>stloc</c> form (per <paramref name="prefix"/>) reads or writes; null for anything else.</summary>
    private static VariableDefinition? LocalAccessed(MethodDefinition method, Instruction? instruction, string prefix)
    {
        var name = instruction?.OpCode.Name; // "ldloc.0", "ldloc.s", "ldloc", "stloc.3", ...; "ldloca" is an address, not a value
        if (name is null || !name.StartsWith(prefix, StringComparison.Ordinal) || name.Length > prefix.Length && name[prefix.Length] != '.') return null;
        if (instruction!.Operand is VariableDefinition variable) return variable;
        return int.TryParse(name.AsSpan(prefix.Length + 1), out var index) ? method.Body.Variables[index] : null;
    }

    /// <summary>
    /// Which instruction pushed each value a call consumes, by simulating the evaluation stack in instruction order. Joins
    /// are not merged: at a branch target the values on the stack become unknown (null), which can only hide a finding,
    /// never invent one.
    /// </summary>
    private sealed class StackFlow
    {
        public List<(Instruction Instruction, List<Instruction?> Producers)> Consumers { get; } = [];

        public static StackFlow Of(MethodDefinition method)
        {
            var flow = new StackFlow();
            var body = method.Body;
            var targets = new HashSet<Instruction>();
            foreach (var instruction in body.Instructions)
            {
                if (instruction.Operand is Instruction target) targets.Add(target);
                else if (instruction.Operand is Instruction[] many) targets.UnionWith(many);
            }
            var handlers = body.ExceptionHandlers.ToDictionary(h => h.HandlerStart, h => h.HandlerType);
            var stack = new List<Instruction?>();
            Instruction? previous = null;
            foreach (var instruction in body.Instructions)
            {
                if (handlers.TryGetValue(instruction, out var kind))
                    stack = kind is ExceptionHandlerType.Catch or ExceptionHandlerType.Filter ? [null] : [];
                else if (previous is not null && EndsFlow(previous))
                    stack = [];
                if (targets.Contains(instruction))
                    for (var k = 0; k < stack.Count; k++) stack[k] = null;
                previous = instruction;

                var pops = Pops(instruction, method);
                if (pops < 0)
                {
                    stack.Clear();
                    continue;
                }
                var consumed = new List<Instruction?>(pops);
                for (var k = 0; k < pops; k++)
                {
                    if (stack.Count == 0) consumed.Insert(0, null);
                    else
                    {
                        consumed.Insert(0, stack[^1]);
                        stack.RemoveAt(stack.Count - 1);
                    }
                }
                if (instruction.Operand is MethodReference && instruction.OpCode.Code is Code.Call or Code.Callvirt or Code.Newobj)
                    flow.Consumers.Add((instruction, consumed));
                if (instruction.OpCode.Code == Code.Dup)
                {
                    var value = consumed.Count > 0 ? consumed[0] : null;
                    stack.Add(value);
                    stack.Add(value);
                    continue;
                }
                for (var k = Pushes(instruction); k > 0; k--) stack.Add(instruction);
            }
            return flow;
        }

        private static bool EndsFlow(Instruction instruction) => instruction.OpCode.FlowControl is
            FlowControl.Branch or FlowControl.Return or FlowControl.Throw || instruction.OpCode.Code is Code.Leave or Code.Leave_S or Code.Endfinally;

        private static int Pops(Instruction instruction, MethodDefinition method) => instruction.OpCode.StackBehaviourPop switch
        {
            StackBehaviour.Pop0 => 0,
            StackBehaviour.Pop1 or StackBehaviour.Popi or StackBehaviour.Popref => 1,
            StackBehaviour.Pop1_pop1 or StackBehaviour.Popi_pop1 or StackBehaviour.Popi_popi or StackBehaviour.Popi_popi8
                or StackBehaviour.Popi_popr4 or StackBehaviour.Popi_popr8 or StackBehaviour.Popref_pop1 or StackBehaviour.Popref_popi => 2,
            StackBehaviour.Popi_popi_popi or StackBehaviour.Popref_popi_popi or StackBehaviour.Popref_popi_popi8
                or StackBehaviour.Popref_popi_popr4 or StackBehaviour.Popref_popi_popr8 or StackBehaviour.Popref_popi_popref => 3,
            StackBehaviour.PopAll => -1,
            StackBehaviour.Varpop => instruction.Operand switch
            {
                MethodReference callee => callee.Parameters.Count + (callee.HasThis && instruction.OpCode.Code != Code.Newobj ? 1 : 0),
                CallSite site => site.Parameters.Count + (site.HasThis ? 1 : 0) + 1,
                _ => instruction.OpCode.Code == Code.Ret && method.ReturnType.MetadataType != MetadataType.Void ? 1 : 0,
            },
            _ => 0,
        };

        private static int Pushes(Instruction instruction) => instruction.OpCode.StackBehaviourPush switch
        {
            StackBehaviour.Push0 => 0,
            StackBehaviour.Push1_push1 => 2,
            StackBehaviour.Varpush => instruction.Operand switch
            {
                MethodReference callee => instruction.OpCode.Code == Code.Newobj || callee.ReturnType.MetadataType != MetadataType.Void ? 1 : 0,
                CallSite site => site.ReturnType.MetadataType != MetadataType.Void ? 1 : 0,
                _ => 0,
            },
            _ => 1,
        };
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

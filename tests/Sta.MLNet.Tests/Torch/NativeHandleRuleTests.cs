using Sta.MLNet;
using TorchSharp;
using static TorchSharp.torch;

namespace Sta.MLNet.Tests.Torch;

/// <summary>The library hands libtorch no Scalar that nobody keeps alive (docs/reliability.md, "Native handles").</summary>
public class NativeHandleRuleTests
{
    private const string Owner = "Sta.MLNet.ScalarArithmetic";

    [Fact]
    public void TheLibraryCreatesNoUnownedScalars()
    {
        var violations = new NativeHandleAudit(Owner).Audit(typeof(StaDetector).Assembly.Location);
        Assert.True(violations.Count == 0, string.Join(Environment.NewLine, violations));
    }

    /// <summary>The ONNX package reads weights through TorchSharp when it exports; the same rule holds there.</summary>
    [Fact]
    public void TheOnnxPackageCreatesNoUnownedScalars()
    {
        var violations = new NativeHandleAudit(Owner).Audit(typeof(Sta.MLNet.Onnx.StaOnnxExporter).Assembly.Location);
        Assert.True(violations.Count == 0, string.Join(Environment.NewLine, violations));
    }

    /// <summary>
    /// Tests share the process with the library's threads and with the GC-pressure reproducer, so their own TorchSharp
    /// code follows the rule too; only the samples below and the reproducer's deliberately abandoned Scalars are exempt.
    /// </summary>
    [Fact]
    public void TheTestsCreateNoUnownedScalars()
    {
        var samples = typeof(UnsafeSamples).FullName!.Replace('+', '/') + ".";
        var violations = new NativeHandleAudit(Owner, "Sta.MLNet.Tests.Torch.NativeHandleLifetimeTests/GcPressure") { TensorTemporaries = true }
            .Audit(typeof(NativeHandleRuleTests).Assembly.Location)
            .Where(v => !v.StartsWith(samples, StringComparison.Ordinal)).ToList();
        Assert.True(violations.Count == 0, string.Join(Environment.NewLine, violations));
    }

    [Fact]
    public void TheAuditFindsEachKindOfTemporary()
    {
        var violations = new NativeHandleAudit(Owner) { TensorTemporaries = true }.Audit(typeof(NativeHandleRuleTests).Assembly.Location)
            .Where(v => v.Contains(nameof(UnsafeSamples), StringComparison.Ordinal)).ToList();
        string all = string.Join(Environment.NewLine, violations);
        Assert.Contains(violations, v => v.Contains(".ImplicitScalar ", StringComparison.Ordinal) && v.Contains("creates a Scalar", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Contains(".ExplicitTemporary ", StringComparison.Ordinal) && v.Contains("ToScalar", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Contains(".TensorPlusTensor ", StringComparison.Ordinal) && v.Contains("op_Addition", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Contains(".NumberAsTensor ", StringComparison.Ordinal) && v.Contains("creates a Tensor", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Contains(".TorchSharpBatchNorm ", StringComparison.Ordinal) && v.Contains("BatchNorm", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Contains(".UnownedGenerator ", StringComparison.Ordinal) && v.Contains("Generator it never disposes", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Contains(".TemporaryTensorArgument ", StringComparison.Ordinal) && v.Contains("copy_", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Contains(".TemporaryTensorInstance ", StringComparison.Ordinal) && v.Contains("sum", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Contains(".UnownedTensorLocal ", StringComparison.Ordinal) && v.Contains("never disposes", StringComparison.Ordinal));
        foreach (var safe in new[] { ".HeldScalar ", ".OwnedGenerator ", ".ScopedTemporary ", ".GeneratorInField ", ".DisposedTensorLocal ", ".ReturnedTensorLocal " })
            Assert.DoesNotContain(violations, v => v.Contains(safe, StringComparison.Ordinal));
        Assert.True(violations.Count == 10, all); // NumberAsTensor breaks two rules
    }

    /// <summary>Each method shows one pattern the audit must flag, except <see cref="HeldScalar"/>.</summary>
    private static class UnsafeSamples
    {
        public static Tensor ImplicitScalar(Tensor x) => x.mul(1.702);

        public static Tensor ExplicitTemporary(Tensor x) => x.mul(1.702.ToScalar());

        public static Tensor TensorPlusTensor(Tensor x, Tensor y) => x + y;

        public static Tensor NumberAsTensor(Tensor x) => x.maximum(0.5f);

        public static Tensor TorchSharpBatchNorm(TorchSharp.Modules.BatchNorm3d norm, Tensor x) => norm.forward(x);

        public static Tensor HeldScalar(Tensor x, Scalar held) => x.mul(held);

        public static Tensor UnownedGenerator() => randn([2], generator: new Generator(1));

        public static Tensor TemporaryTensorArgument(Tensor x, Tensor y) => x.copy_(y.abs());

        public static Tensor TemporaryTensorInstance(Tensor x) => x.abs().sum();

        public static void UnownedTensorLocal(Tensor x)
        {
            var y = x.abs();
            x.copy_(y);
        }

        public static void DisposedTensorLocal(Tensor x)
        {
            using var y = x.abs();
            x.copy_(y);
        }

        public static Tensor ReturnedTensorLocal(Tensor x)
        {
            var y = x.abs();
            y.mul_(x);
            return y;
        }

        public static Tensor OwnedGenerator()
        {
            using var generator = new Generator(1);
            return randn([2], generator: generator);
        }

        public static Tensor ScopedTemporary(Tensor x, Tensor y)
        {
            using var scope = NewDisposeScope();
            return x.copy_(y.abs());
        }

        private static Generator? s_held;

        public static void GeneratorInField() => s_held = new Generator(1);
    }
}

using Sta.MLNet.Tests.Torch;

namespace Sta.MLNet.Cli.Tests;

/// <summary>The CLI hands libtorch no Scalar that nobody keeps alive (docs/reliability.md, "Native handles").</summary>
public class NativeHandleRuleTests
{
    [Fact]
    public void TheCliCreatesNoUnownedScalars()
    {
        var cli = typeof(Sta.MLNet.Cli.Program).Assembly.Location;
        var violations = new NativeHandleAudit("Sta.MLNet.ScalarArithmetic").Audit(cli);
        Assert.True(violations.Count == 0, string.Join(Environment.NewLine, violations));
    }

    [Fact]
    public void TheCliTestsCreateNoUnownedScalars()
    {
        var violations = new NativeHandleAudit("Sta.MLNet.ScalarArithmetic") { TensorTemporaries = true }.Audit(typeof(NativeHandleRuleTests).Assembly.Location);
        Assert.True(violations.Count == 0, string.Join(Environment.NewLine, violations));
    }
}

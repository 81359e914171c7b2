using Sta.MLNet.Tests.Torch;

namespace Sta.MLNet.Server.Tests;

/// <summary>The service hands libtorch no Scalar that nobody keeps alive (docs/reliability.md, "Native handles").</summary>
public class NativeHandleRuleTests
{
    [Fact]
    public void TheServiceCreatesNoUnownedScalars()
    {
        var server = typeof(StaServer).Assembly.Location;
        var violations = new NativeHandleAudit("Sta.MLNet.ScalarArithmetic").Audit(server);
        Assert.True(violations.Count == 0, string.Join(Environment.NewLine, violations));
    }

    [Fact]
    public void TheServiceTestsCreateNoUnownedScalars()
    {
        var violations = new NativeHandleAudit("Sta.MLNet.ScalarArithmetic") { TensorTemporaries = true }.Audit(typeof(NativeHandleRuleTests).Assembly.Location);
        Assert.True(violations.Count == 0, string.Join(Environment.NewLine, violations));
    }
}

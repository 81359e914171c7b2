using Microsoft.ML;
using Sta.MLNet;

namespace Sta.MLNet.Tests.Persistence;

/// <summary>
/// The run-time gate on the ML.NET release (docs/persistence.md): the packages admit a version range, the bridge is used
/// only under the release lines it was verified on.
/// </summary>
public class MLNetVersionSupportTests
{
    [Theory]
    [InlineData("5.0.1")]
    [InlineData("5.0.1+a4f730ec0c9106c2c9ef9e1fa34011374115fb98")]
    [InlineData("5.0.0")]
    [InlineData("6.0.0+sha")]
    [InlineData("6.0.3")]
    public void ReleasesOfTheVerifiedLinesPass(string version) => Assert.Null(MLNetVersionSupport.Problem(version, "/app/Microsoft.ML.Core.dll"));

    [Theory]
    [InlineData("4.0.2", "4.0.2")]
    [InlineData("6.1.0+sha", "6.1.0")]
    [InlineData("7.0.0-preview.1.26000.1", "7.0.0-preview.1.26000.1")]
    [InlineData("1.0.0.0", "1.0.0.0")]
    public void OtherReleasesFailWithAMessageNamingTheLoadedAndTheVerifiedVersions(string version, string shown)
    {
        var problem = MLNetVersionSupport.Problem(version, "/app/Microsoft.ML.Core.dll");
        Assert.NotNull(problem);
        Assert.Contains($"loaded Microsoft.ML {shown} (/app/Microsoft.ML.Core.dll)", problem);
        Assert.Contains("verified on Microsoft.ML 5.0.x and 6.0.x", problem);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("dev")]
    public void AnUnreadableVersionFailsToo(string? version)
    {
        var problem = MLNetVersionSupport.Problem(version, null);
        Assert.NotNull(problem);
        Assert.Contains("verified on Microsoft.ML 5.0.x and 6.0.x", problem);
    }

    [Fact]
    public void TheMLNetOfThisTestRunIsVerifiedAndIsTheOneSavedModelsRecord()
    {
        Assert.Null(MLNetVersionSupport.Problem(MLNetVersionSupport.LoadedVersionText, null));
        MLNetVersionSupport.RequireVerified();
        StaMLNet.Register(new MLContext(seed: 1));

        // ML.NET writes its own release into every model; the bridge must read the same release from Microsoft.ML.Core.
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable([new { X = 1f }]);
        using var stream = new MemoryStream();
        ml.Model.Save(ml.Transforms.CopyColumns("Y", "X").Fit(data), data.Schema, stream);
        var recorded = System.Text.Encoding.UTF8.GetString(new ModelZip(stream.ToArray())["TrainingInfo/Version.txt"]).Trim();
        Assert.Equal(MLNetVersionSupport.LoadedVersionText, recorded.Split('+')[0]);
    }
}

using Sta.MLNet;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Sta.MLNet.Tests.Network;

/// <summary>
/// Our network against tensors produced by the official PyTorch code (eval mode, fp32): outputs and every recorded
/// intermediate, for each case of each parity fixture folder. The intermediates matter: with one layer the logits
/// do not depend on the adapter's 3-D path at all (fixture README), so only they catch errors there. Every case runs
/// with every form of the depthwise convolutions (Conv3d as the official code, planar Conv2d, channels-last Conv3d).
/// </summary>
public class OfficialParityTests(ITestOutputHelper output)
{
    // The convolution form travels by name: the enum is internal and a public theory cannot take it as a parameter.
    public static TheoryData<ParityCase, string> Cases()
    {
        var data = new TheoryData<ParityCase, string>();
        foreach (var c in ParityCase.All())
        {
            data.Add(c, nameof(DepthwiseConvolution.Volumetric));
            data.Add(c, nameof(DepthwiseConvolution.Planar));
            data.Add(c, nameof(DepthwiseConvolution.ChannelsLast));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void OutputsAndIntermediatesMatchTheOfficialModel(ParityCase testCase, string convolution)
    {
        using var detector = StaCheckpoint.LoadDetector(testCase.CheckpointPath, testCase.Options);
        detector.DepthwiseConvolution = Enum.Parse<DepthwiseConvolution>(convolution);
        using var tap = new ActivationTap(testCase.Intermediates.Values);
        detector.AttachTap(tap);
        using var scope = NewDisposeScope();
        using var guard = no_grad();
        var input = FixtureTensors.Get(testCase.TensorsPath, testCase.Input);
        using var result = detector.forward(input);

        var failures = new List<string>();
        void Compare(string what, Tensor actual, string expectedName, double tolerance)
        {
            var expected = FixtureTensors.Get(testCase.TensorsPath, expectedName);
            if (!actual.shape.SequenceEqual(expected.shape))
            {
                failures.Add($"{what}: shape [{string.Join(",", actual.shape)}] vs expected [{string.Join(",", expected.shape)}]");
                return;
            }
            var diff = (actual - expected).abs().max().item<float>();
            output.WriteLine($"{what} ({expectedName}): max |diff| = {diff:E2} (tolerance {tolerance:E0})");
            if (!(diff <= tolerance)) failures.Add($"{what} ({expectedName}): max |diff| {diff:E3} > {tolerance:E1}");
        }

        foreach (var (kind, expectedName) in testCase.Outputs)
        {
            var actual = kind switch
            {
                "logits" => result.Logits,
                "prob" => result.Probability,
                "feat" => result.Features,
                _ => throw new InvalidDataException($"Unknown output kind '{kind}' in {testCase.Folder}"),
            };
            Compare(kind, actual, expectedName, testCase.OutputTolerance);
        }
        foreach (var (expectedName, point) in testCase.Intermediates)
        {
            if (!tap.Recorded.TryGetValue(point, out var actual))
            {
                failures.Add($"intermediate point '{point}' was never recorded");
                continue;
            }
            Compare(point, actual, expectedName, testCase.IntermediateTolerance);
        }
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }
}

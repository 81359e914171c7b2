using Sta.MLNet;
using Xunit.Abstractions;

namespace Sta.MLNet.Tests.Blending;

/// <summary>
/// Video-level Blending against the recorded reference runs (fixture README section 3): with the recorded draws
/// injected, masks, centre, transforms, warped copies, the float blend and the uint8 frame must match within the
/// README tolerances.
/// </summary>
public sealed class VbFixtureParityTests(ITestOutputHelper output)
{
    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var c in VbFixtureCase.All()) data.Add(c.Name);
        return data;
    }

    private sealed record Run(VbFixtureCase Case, byte[] Frame, int Height, int Width, byte[] Output, VbFrameTrace Trace);

    private static Run Blend(string name)
    {
        var fixture = VbFixtureCase.ByName(name);
        var (frame, height, width) = VbFixtureCase.ReadRgb(fixture.PathOf(fixture.Image));
        var draw = fixture.Draw();
        using var blender = new VideoBlender(new ScriptedVbDrawSource([draw]), VideoBlendOptions.ForFaceSize(width));
        var trace = new VbFrameTrace(height, width);
        var result = new byte[frame.Length];
        blender.BlendFrame(frame, height, width, fixture.Landmarks(), draw, result, trace);
        return new Run(fixture, frame, height, width, result, trace);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Masks_match_reference(string name)
    {
        var run = Blend(name);
        var expected = SafeTensorsFile.Read(run.Case.PathOf(run.Case.Masks));
        foreach (var region in FaceRegions.InBlendOrder)
        {
            var reference = expected["mask_" + FaceRegions.Name(region)].ToSingleArray();
            var actual = run.Trace.Mask(region);
            Assert.Equal(reference.Length, actual.Length);
            var worst = 0.0;
            for (var i = 0; i < reference.Length; i++) worst = Math.Max(worst, Math.Abs(reference[i] - actual[i]));
            output.WriteLine($"{FaceRegions.Name(region)}: max |mask - reference| = {worst:E2}");
            Assert.True(worst <= 1e-5, $"{name} {FaceRegions.Name(region)} mask differs by {worst}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Centre_and_matrices_match_reference(string name)
    {
        var run = Blend(name);
        foreach (var region in FaceRegions.InBlendOrder)
        {
            var (center, p, m) = run.Case.Region(region);
            Assert.True(Math.Abs(run.Trace.Center.X - center[0]) <= 1e-4 && Math.Abs(run.Trace.Center.Y - center[1]) <= 1e-4,
                $"centre {run.Trace.Center} vs ({center[0]}, {center[1]})");
            var warp = run.Trace.Warp(region);
            for (var i = 0; i < 2; i++)
            {
                for (var j = 0; j < 3; j++)
                {
                    Assert.True(Math.Abs(warp.Similarity[i, j] - p[i, j]) <= 1e-9, $"{FaceRegions.Name(region)} P[{i},{j}] {warp.Similarity[i, j]} vs {p[i, j]}");
                    Assert.True(Math.Abs(warp.Warp[i, j] - m[i, j]) <= 1e-4, $"{FaceRegions.Name(region)} M[{i},{j}] {warp.Warp[i, j]} vs {m[i, j]}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Warped_copies_match_reference(string name)
    {
        var run = Blend(name);
        var tensors = SafeTensorsFile.Read(run.Case.PathOf(run.Case.Tensors));
        foreach (var region in FaceRegions.InBlendOrder)
        {
            var reference = tensors["warped_" + FaceRegions.Name(region)].ToSingleArray();
            var actual = run.Trace.Warped(region);
            int differing = 0, worst = 0;
            for (var i = 0; i < reference.Length; i++)
            {
                var d = Math.Abs((int)reference[i] - actual[i]);
                if (d > 0) differing++;
                worst = Math.Max(worst, d);
            }
            output.WriteLine($"{FaceRegions.Name(region)}: {differing} values differ, max {worst}");
            Assert.True(worst == 0, $"{name} warped {FaceRegions.Name(region)}: {differing} values differ, max {worst}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Blend_and_frame_match_reference(string name)
    {
        var run = Blend(name);
        var tensors = SafeTensorsFile.Read(run.Case.PathOf(run.Case.Tensors));
        var reference = tensors["vb_float"].ToSingleArray();
        var worstFloat = 0.0;
        for (var i = 0; i < reference.Length; i++) worstFloat = Math.Max(worstFloat, Math.Abs(reference[i] - run.Trace.BlendedFloat[i]));
        output.WriteLine($"max |vb_float - reference| = {worstFloat:E2}");
        Assert.True(worstFloat <= 1e-3, $"vb_float differs by {worstFloat}");

        var (expected, _, _) = VbFixtureCase.ReadRgb(run.Case.PathOf(run.Case.ExpectedFrame));
        var masks = run.Trace.Masks;
        var plane = run.Height * run.Width;
        int worst = 0, differing = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            var d = Math.Abs(expected[i] - run.Output[i]);
            var p = i / 3;
            var outside = masks[p] == 0 && masks[plane + p] == 0 && masks[2 * plane + p] == 0 && masks[3 * plane + p] == 0;
            if (outside)
            {
                Assert.True(run.Output[i] == run.Frame[i] && expected[i] == run.Frame[i], $"pixel {p} outside the masks changed");
            }
            if (d > 0) differing++;
            worst = Math.Max(worst, d);
        }
        output.WriteLine($"VB frame: {differing} values differ, max {worst}");
        Assert.True(worst <= 1, $"VB frame differs by up to {worst} ({differing} values)");

        // The production clip path (band warps, no trace) must give the same frame.
        using var blender = new VideoBlender(new ScriptedVbDrawSource([run.Case.Draw()]), VideoBlendOptions.ForFaceSize(run.Width));
        var clipOutput = new byte[run.Frame.Length];
        blender.BlendClip(run.Frame, 1, run.Height, run.Width, run.Case.Landmarks(), 68, 0, clipOutput);
        Assert.Equal(run.Output, clipOutput);
    }
}

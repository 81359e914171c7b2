using System.Text.Json;
using Sta.MLNet;
using Sta.MLNet.Tests.Fixtures;

namespace Sta.MLNet.Tests.Blending;

/// <summary>
/// A test clip: the public aligned 224 px astronaut face (fixture) repeated over T frames, with its dlib landmarks.
/// Identical input frames make any frame-to-frame difference of the output come from the per-frame draws.
/// </summary>
internal static class AstronautClip
{
    public static (RgbClip Clip, float[] Landmarks) Load(int frameCount = 8)
    {
        var folder = FixturePaths.Fixture("preprocess");
        var (frame, height, width) = VbFixtureCase.ReadRgb(Path.Combine(folder, "astronaut.align224.png"));
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "astronaut.align224.dlib68.json")));
        var points = json.RootElement.GetProperty("landmarks68").EnumerateArray()
            .SelectMany(p => p.EnumerateArray().Select(v => (float)v.GetDouble())).ToArray();
        var clip = RgbClip.Zeros(frameCount, height, width);
        var landmarks = new float[frameCount * points.Length];
        for (var t = 0; t < frameCount; t++)
        {
            frame.CopyTo(clip.Frame(t));
            points.CopyTo(landmarks, t * points.Length);
        }
        return (clip, landmarks);
    }
}

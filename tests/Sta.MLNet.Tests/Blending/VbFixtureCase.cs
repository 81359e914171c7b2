using System.Text.Json;
using OpenCvSharp;
using Sta.MLNet;
using Sta.MLNet.Tests.Fixtures;

namespace Sta.MLNet.Tests.Blending;

/// <summary>One <c>vb</c> case of a preprocess fixture folder's config.json (format: fixture README section 3).</summary>
internal sealed record VbFixtureCase(string Name, string Folder, string Image, string DrawsAndRegions, string Masks, string Tensors, string ExpectedFrame)
{
    /// <summary>Every <c>vb</c> case of every preprocess fixture folder (public + STA_PREPROCESS_FIXTURES).</summary>
    public static IReadOnlyList<VbFixtureCase> All()
    {
        var cases = new List<VbFixtureCase>();
        foreach (var folder in FixturePaths.FixtureFolders("preprocess", "STA_PREPROCESS_FIXTURES"))
        {
            var config = Path.Combine(folder, "config.json");
            if (!File.Exists(config)) throw new FileNotFoundException($"Fixture folder without config.json: {folder}", config);
            using var json = JsonDocument.Parse(File.ReadAllText(config));
            if (!json.RootElement.TryGetProperty("vb", out var list)) continue;
            foreach (var c in list.EnumerateArray())
            {
                cases.Add(new VbFixtureCase(
                    c.GetProperty("name").GetString()!, folder,
                    c.GetProperty("image").GetString()!,
                    c.GetProperty("draws_and_regions").GetString()!,
                    c.GetProperty("masks").GetString()!,
                    c.GetProperty("tensors").GetString()!,
                    c.GetProperty("expected_frame").GetString()!));
            }
        }
        return cases;
    }

    public static VbFixtureCase ByName(string name) =>
        All().FirstOrDefault(c => c.Name == name) ?? throw new KeyNotFoundException($"No vb fixture case named {name}.");

    public string PathOf(string file) => System.IO.Path.Combine(Folder, file);

    /// <summary>An RGB PNG as [H, W, 3] RGB bytes (OpenCV reads BGR; converted back).</summary>
    public static (byte[] Pixels, int Height, int Width) ReadRgb(string path)
    {
        using var bgr = Cv2.ImRead(path, ImreadModes.Color);
        if (bgr.Empty()) throw new FileNotFoundException($"Cannot read image {path}", path);
        using var rgb = new Mat();
        Cv2.CvtColor(bgr, rgb, ColorConversionCodes.BGR2RGB);
        var bytes = new byte[rgb.Rows * rgb.Cols * 3];
        System.Runtime.InteropServices.Marshal.Copy(rgb.Data, bytes, 0, bytes.Length);
        return (bytes, rgb.Rows, rgb.Cols);
    }

    /// <summary>The recorded landmarks (float32, 68 x 2) of the draws file.</summary>
    public float[] Landmarks()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(PathOf(DrawsAndRegions)));
        return json.RootElement.GetProperty("landmarks_float32").EnumerateArray()
            .SelectMany(p => p.EnumerateArray().Select(v => (float)v.GetDouble())).ToArray();
    }

    /// <summary>The recorded draws, as the engine's draw record.</summary>
    public VbFrameDraw Draw()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(PathOf(DrawsAndRegions)));
        var root = json.RootElement;
        var frame = root.GetProperty("frame");
        VbRegionDraw Region(string name)
        {
            var r = root.GetProperty("regions").GetProperty(name);
            return new VbRegionDraw(r.GetProperty("angle").GetDouble(), r.GetProperty("scale").GetDouble(),
                r.GetProperty("shift_x").GetDouble(), r.GetProperty("shift_y").GetDouble());
        }
        return new VbFrameDraw(frame.GetProperty("R").GetDouble(), frame.GetProperty("S").GetDouble(), frame.GetProperty("D").GetDouble(),
            Region("eyes"), Region("nose"), Region("mouth"), Region("brows"));
    }

    /// <summary>Expected centre, P and M of a region.</summary>
    public (double[] Center, double[,] P, double[,] M) Region(FaceRegion region)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(PathOf(DrawsAndRegions)));
        var r = json.RootElement.GetProperty("regions").GetProperty(FaceRegions.Name(region));
        static double[,] Matrix(JsonElement e)
        {
            var m = new double[2, 3];
            for (var i = 0; i < 2; i++)
                for (var j = 0; j < 3; j++)
                    m[i, j] = e[i][j].GetDouble();
            return m;
        }
        var center = r.GetProperty("center").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        return (center, Matrix(r.GetProperty("P")), Matrix(r.GetProperty("M")));
    }

    public override string ToString() => Name;
}

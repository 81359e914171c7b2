using System.Text.Json;

namespace Sta.MLNet.Explanation;

/// <summary>
/// How heat maps appear in JSON (<c>sta explain</c>'s explanation.json, the scoring service's evidence): the method's
/// name, the raw peak, and per frame the heat pooled over the network's patch grid (<see cref="ClipExplanation.Pool"/>),
/// which is compact (16 x 16 per frame for the official network) and at the resolution the network reads.
/// </summary>
public static class ExplanationJson
{
    /// <summary>Names the heat-map method (docs/explanations.md).</summary>
    public const string Method = "gradient-x-temporal-change";

    /// <summary>Writes <c>peak</c>, <c>grid</c> and <c>heat</c> (one array of grid x grid values per frame, row-major, 4 decimals).</summary>
    /// <param name="patchSize">The network's patch size; the grid is the clip size divided by it.</param>
    public static void WriteHeat(Utf8JsonWriter writer, ClipExplanation heat, int patchSize)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(heat);
        ArgumentOutOfRangeException.ThrowIfLessThan(patchSize, 1);
        var grid = Math.Max(1, heat.Size / patchSize);
        var pooled = heat.Pool(grid);
        writer.WriteNumber("peak", heat.Peak);
        writer.WriteNumber("grid", grid);
        writer.WriteStartArray("heat");
        for (int t = 0; t < heat.FrameCount; t++)
        {
            writer.WriteStartArray();
            for (int i = 0; i < grid * grid; i++) writer.WriteNumberValue(Math.Round(pooled[t * grid * grid + i], 4));
            writer.WriteEndArray();
        }
        writer.WriteEndArray();
    }
}

namespace Sta.MLNet;

/// <summary>
/// A chain of 68-point landmark indices whose segments a feature mask measures distances to.
/// </summary>
/// <param name="Indices">0-based indices into the 68 iBUG landmarks, at least two.</param>
/// <param name="Closed">When true the last point is joined back to the first (eye and lip loops).</param>
internal sealed record LandmarkPolyline(IReadOnlyList<int> Indices, bool Closed)
{
    /// <summary>Consecutive indices <paramref name="first"/>..<paramref name="last"/> inclusive.</summary>
    public static LandmarkPolyline Range(int first, int last, bool closed) =>
        new(Enumerable.Range(first, last - first + 1).ToArray(), closed);

    /// <summary>Number of segments: n - 1 for an open chain, n for a closed loop.</summary>
    public int SegmentCount => Closed ? Indices.Count : Indices.Count - 1;
}

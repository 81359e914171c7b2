namespace Sta.MLNet;

/// <summary>
/// Picks the face to follow in each frame of a clip so that a clip does not jump between people: the detection
/// that overlaps the last face kept (intersection over union at least <see cref="MinOverlap"/>, the highest wins);
/// when none does (first frame, or the face moved away), the largest detection (area = width x height, first on
/// ties, like upstream's <c>max(faces, key=area)</c>).
/// </summary>
internal sealed class FaceTrackSelector
{
    /// <param name="minOverlap">IoU a detection needs with the previous face to count as the same face; default 0.3.</param>
    public FaceTrackSelector(double minOverlap = 0.3)
    {
        if (!(minOverlap > 0 && minOverlap <= 1))
            throw new ArgumentOutOfRangeException(nameof(minOverlap), minOverlap, "The overlap threshold must be in (0, 1].");
        MinOverlap = minOverlap;
    }

    public double MinOverlap { get; }

    /// <summary>The face to keep among <paramref name="detections"/>, or null when there is none.</summary>
    /// <param name="detections">This frame's detections.</param>
    /// <param name="previous">The face kept in the most recent frame that had one, or null.</param>
    public FaceBox? Select(IReadOnlyList<FaceDetection> detections, FaceBox? previous)
    {
        ArgumentNullException.ThrowIfNull(detections);
        if (previous is { } last)
        {
            FaceBox? best = null;
            var bestOverlap = MinOverlap;
            foreach (var detection in detections)
            {
                var overlap = detection.Box.IntersectionOverUnion(last);
                if (overlap >= bestOverlap && (best is null || overlap > bestOverlap))
                {
                    best = detection.Box;
                    bestOverlap = overlap;
                }
            }
            if (best is not null)
                return best;
        }
        return Largest(detections);
    }

    /// <summary>The largest detection by area, first on ties; null for none.</summary>
    public static FaceBox? Largest(IReadOnlyList<FaceDetection> detections)
    {
        ArgumentNullException.ThrowIfNull(detections);
        FaceBox? best = null;
        foreach (var detection in detections)
        {
            if (best is null || detection.Box.Area > best.Value.Area)
                best = detection.Box;
        }
        return best;
    }
}

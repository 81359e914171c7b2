namespace Sta.MLNet;

/// <summary>
/// Where the evidence for "fake" lies in one clip: one heat value per pixel of every frame of the network's input, from
/// <see cref="ClipExplainer"/>. Values are in [0, 1], divided by the clip's largest value (<see cref="Peak"/>) so that
/// the frames of a clip compare with each other; a clip with no positive evidence anywhere is all zeros.
/// </summary>
public sealed class ClipExplanation
{
    private readonly float[] _heat;

    /// <param name="score">logit(fake) - logit(real) of the pass the map was computed in.</param>
    /// <param name="probability">P(fake) of that pass.</param>
    /// <param name="frameCount">Frames of the clip (T).</param>
    /// <param name="size">Side of each frame's map in pixels (S, the network's input resolution).</param>
    /// <param name="heat">[T, S, S] values in [0, 1], row-major; not copied.</param>
    /// <param name="peak">The raw largest value before the division (0 when there was no positive evidence).</param>
    public ClipExplanation(float score, float probability, int frameCount, int size, float[] heat, float peak)
    {
        ArgumentNullException.ThrowIfNull(heat);
        ArgumentOutOfRangeException.ThrowIfLessThan(frameCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        if (heat.Length != frameCount * size * size)
            throw new ArgumentException($"A {frameCount}x{size}x{size} map needs {frameCount * size * size} values; got {heat.Length}.", nameof(heat));
        Score = score;
        Probability = probability;
        FrameCount = frameCount;
        Size = size;
        _heat = heat;
        Peak = peak;
    }

    /// <summary>logit(fake) - logit(real) of the pass the map was computed in.</summary>
    public float Score { get; }

    /// <summary>P(fake) of the pass the map was computed in.</summary>
    public float Probability { get; }

    /// <summary>Frames of the clip (T).</summary>
    public int FrameCount { get; }

    /// <summary>Side of each frame's map in pixels (S).</summary>
    public int Size { get; }

    /// <summary>All values, [T, S, S], each in [0, 1].</summary>
    public ReadOnlySpan<float> Heat => _heat;

    /// <summary>The largest raw value before normalisation; 0 when nothing in the clip pointed towards "fake".</summary>
    public float Peak { get; }

    /// <summary>Frame <paramref name="frame"/>'s map, [S, S] row-major.</summary>
    public ReadOnlySpan<float> Frame(int frame)
    {
        if ((uint)frame >= (uint)FrameCount) throw new ArgumentOutOfRangeException(nameof(frame), frame, $"The clip has {FrameCount} frames.");
        return _heat.AsSpan(frame * Size * Size, Size * Size);
    }

    /// <summary>
    /// The heat summed over a <paramref name="grid"/> x <paramref name="grid"/> grid of equal squares per frame (e.g. the
    /// network's patch grid), divided by the clip's largest square: [T, grid, grid] in [0, 1]. Pixels are assigned to
    /// squares by their centre, so any grid size works.
    /// </summary>
    public float[] Pool(int grid)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(grid, 1);
        var pooled = new float[FrameCount * grid * grid];
        for (int t = 0; t < FrameCount; t++)
        {
            var map = Frame(t);
            for (int y = 0; y < Size; y++)
            {
                int row = (int)((y + 0.5) * grid / Size);
                for (int x = 0; x < Size; x++)
                    pooled[(t * grid + row) * grid + (int)((x + 0.5) * grid / Size)] += map[y * Size + x];
            }
        }
        float largest = pooled.Max();
        if (largest > 0)
            for (int i = 0; i < pooled.Length; i++) pooled[i] /= largest;
        return pooled;
    }
}

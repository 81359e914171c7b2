namespace Sta.MLNet;

/// <summary>A closed interval [<paramref name="Low"/>, <paramref name="High"/>] a uniform draw is taken from.</summary>
public readonly record struct UniformRange(double Low, double High)
{
    /// <summary>numpy's <c>uniform(low, high)</c> mapping of a unit draw u in [0, 1): low + (high - low) u.</summary>
    public double At(double unit) => Low + (High - Low) * unit;

    internal void Validate(string name, double minimumLow)
    {
        if (!double.IsFinite(Low) || !double.IsFinite(High) || Low > High || Low < minimumLow)
            throw new ArgumentException($"{name} must be a finite range with {minimumLow} <= Low <= High; got [{Low}, {High}].");
    }
}

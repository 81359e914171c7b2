namespace Sta.MLNet;

/// <summary>Conversions between P(fake) and ML.NET's raw binary Score.</summary>
internal static class BinaryScore
{
    /// <summary>
    /// The logit log(p / (1 - p)), the Score whose sign is ML.NET's prediction (Score &gt; 0 exactly when p &gt; 0.5),
    /// clamped to ±<see cref="float.MaxValue"/>: ML.NET's evaluator silently drops rows with an infinite Score
    /// (measured: 8 clips with p = 0 or 1 moved its AUC from 0.79793 to 0.78960), and clamping keeps the order and the
    /// ties of the probabilities.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="probability"/> is NaN or outside [0, 1].</exception>
    public static float FromProbability(double probability)
    {
        if (!(probability >= 0 && probability <= 1))
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "A probability must be within [0, 1].");
        return (float)Math.Clamp(Math.Log(probability / (1 - probability)), -float.MaxValue, float.MaxValue);
    }

    /// <summary>The logistic sigmoid 1 / (1 + exp(-score)) (= softmax[:, 1] of a two-logit head with score = l1 - l0).</summary>
    public static float ToProbability(float score) => (float)(1.0 / (1.0 + Math.Exp(-(double)score)));
}

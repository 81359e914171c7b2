namespace Sta.MLNet;

/// <summary>Arithmetic of the least-squares similarity estimate used for alignment.</summary>
internal enum SimilarityPrecision
{
    /// <summary>
    /// float32 statistics as scikit-image 0.19 computes them for float32 points (the DeepfakeBench/StA pipeline):
    /// means, covariance and variance rounded to float32, rotation and scale then in double. Matches the recorded
    /// matrices to ~5e-8 (2x2 part) and ~1.3e-5 (translation).
    /// </summary>
    Single,

    /// <summary>Everything in double (the exact Umeyama solution; differs from the pipeline by up to ~4e-5 in translation).</summary>
    Double,
}

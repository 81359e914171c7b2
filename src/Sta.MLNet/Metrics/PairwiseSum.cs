namespace Sta.MLNet;

/// <summary>
/// numpy's float64 summation (<c>np.sum</c> / <c>np.add.reduce</c> on a contiguous array): pairwise, with an 8-way
/// unrolled base case of at most 128 elements. sklearn's AUC (np.trapz) and AP (np.sum) add their terms this way, so
/// using the same grouping reproduces their last digits.
/// </summary>
internal static class PairwiseSum
{
    private const int BlockSize = 128;

    public static double Sum(ReadOnlySpan<double> values) => 0.0 + Pairwise(values);

    private static double Pairwise(ReadOnlySpan<double> a)
    {
        int n = a.Length;
        if (n < 8)
        {
            double sum = 0.0;
            for (int i = 0; i < n; i++) sum += a[i];
            return sum;
        }
        if (n <= BlockSize)
        {
            Span<double> r = stackalloc double[8];
            a[..8].CopyTo(r);
            int i = 8;
            for (; i < n - n % 8; i += 8)
                for (int j = 0; j < 8; j++) r[j] += a[i + j];
            double result = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
            for (; i < n; i++) result += a[i];
            return result;
        }
        int half = n / 2;
        half -= half % 8;
        return Pairwise(a[..half]) + Pairwise(a[half..]);
    }
}

namespace Sta.MLNet.Benchmarks;

/// <summary>A named group of measurements, run with <c>dotnet run -c Release --project tests/Sta.MLNet.Benchmarks -- NAME</c>.
/// Add a suite by writing one class in Suites/ and listing it in <see cref="BenchmarkRegistry"/>.</summary>
public interface IBenchmarkSuite
{
    /// <summary>Command-line name (lower case, no spaces).</summary>
    string Name { get; }

    /// <summary>One line for <c>list</c>.</summary>
    string Description { get; }

    /// <summary>Runs every measurement of the suite.</summary>
    IReadOnlyList<BenchmarkMeasurement> Run(BenchmarkSettings settings);
}

/// <summary>Run-wide settings from the command line.</summary>
/// <param name="Scale">Multiplies every suite's iteration count (default 1; 0.1 for a smoke run).</param>
/// <param name="OutputDirectory">Where the JSON reports go (default artifacts/benchmarks under the repository).</param>
public sealed record BenchmarkSettings(double Scale, string OutputDirectory)
{
    public int Iterations(int nominal) => Math.Max(1, (int)Math.Round(nominal * Scale));
}

/// <summary>One reported figure.</summary>
/// <param name="Name">What was measured, e.g. "vb clips/s, 1 thread".</param>
/// <param name="Value">The figure.</param>
/// <param name="Unit">Its unit, e.g. "clips/s", "bytes/clip", "ms/clip".</param>
/// <param name="Note">How it was measured (iterations, threads, input).</param>
public sealed record BenchmarkMeasurement(string Name, double Value, string Unit, string Note);

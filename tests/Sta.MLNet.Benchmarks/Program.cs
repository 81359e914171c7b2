using System.Globalization;
using Sta.MLNet.Benchmarks;

// Usage: dotnet run -c Release --project tests/Sta.MLNet.Benchmarks -- [list | all | SUITE...] [--scale X] [--out DIR]
var suites = new List<IBenchmarkSuite>();
var scale = 1.0;
string? outputDirectory = null;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--scale" when i + 1 < args.Length:
            scale = double.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--out" when i + 1 < args.Length:
            outputDirectory = args[++i];
            break;
        case "list":
            foreach (var s in BenchmarkRegistry.All) Console.WriteLine($"{s.Name,-12} {s.Description}");
            return 0;
        case "all":
            suites.AddRange(BenchmarkRegistry.All);
            break;
        default:
            var suite = BenchmarkRegistry.Find(args[i]);
            if (suite is null)
            {
                Console.Error.WriteLine($"Unknown benchmark suite '{args[i]}'. Known: {string.Join(", ", BenchmarkRegistry.All.Select(s => s.Name))}.");
                return 2;
            }
            suites.Add(suite);
            break;
    }
}
if (suites.Count == 0)
{
    Console.Error.WriteLine("Name a suite (or 'all', 'list'). Known: " + string.Join(", ", BenchmarkRegistry.All.Select(s => s.Name)));
    return 2;
}
#if DEBUG
Console.Error.WriteLine("Warning: Debug build; run with -c Release for meaningful figures.");
#endif
var settings = new BenchmarkSettings(scale, outputDirectory ?? Path.Combine(RepositoryPaths.Root, "artifacts", "benchmarks"));
foreach (var suite in suites) BenchmarkReport.Write(suite, suite.Run(settings), settings);
return 0;

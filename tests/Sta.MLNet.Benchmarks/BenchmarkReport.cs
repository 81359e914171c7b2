using System.Runtime.InteropServices;
using System.Text.Json;

namespace Sta.MLNet.Benchmarks;

/// <summary>Prints a suite's measurements as a table and writes them as JSON (one file per suite).</summary>
public static class BenchmarkReport
{
    public static string Write(IBenchmarkSuite suite, IReadOnlyList<BenchmarkMeasurement> measurements, BenchmarkSettings settings)
    {
        var nameWidth = Math.Max(12, measurements.Max(m => m.Name.Length));
        Console.WriteLine();
        Console.WriteLine($"== {suite.Name}: {suite.Description}");
        Console.WriteLine($"{"measurement".PadRight(nameWidth)}  {"value",12}  {"unit",-12}  note");
        foreach (var m in measurements)
            Console.WriteLine($"{m.Name.PadRight(nameWidth)}  {m.Value,12:G6}  {m.Unit,-12}  {m.Note}");

        Directory.CreateDirectory(settings.OutputDirectory);
        var path = Path.Combine(settings.OutputDirectory, suite.Name + ".json");
        var document = new
        {
            suite = suite.Name,
            description = suite.Description,
            timestamp_utc = DateTime.UtcNow.ToString("O"),
            machine = new
            {
                processors = Environment.ProcessorCount,
                os = RuntimeInformation.OSDescription,
                runtime = RuntimeInformation.FrameworkDescription,
                architecture = RuntimeInformation.ProcessArchitecture.ToString(),
                // Shared machines: the 1/5/15-minute load when the suite ended says how busy the CPUs were meanwhile.
                load_average = File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : null,
            },
            scale = settings.Scale,
            measurements = measurements.Select(m => new { name = m.Name, value = m.Value, unit = m.Unit, note = m.Note }),
        };
        File.WriteAllText(path, JsonSerializer.Serialize(document, new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine($"written: {path}");
        return path;
    }
}

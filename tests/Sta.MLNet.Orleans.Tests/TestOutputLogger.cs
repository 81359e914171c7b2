using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Sta.MLNet.Orleans.Tests;

/// <summary>
/// Silo and worker log lines of Information and above into the test's output, which the runner prints when the test
/// fails: a cluster test that fails on a busy machine then says what the cluster did (silos declared dead, calls that
/// timed out, leases that ran out) instead of only which state never came.
/// </summary>
internal sealed class TestOutputLoggerProvider(ITestOutputHelper output) : ILoggerProvider
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private void Write(string line)
    {
        try
        {
            output.WriteLine(line);
        }
        catch (InvalidOperationException)
        {
            // The test has ended (a silo still logging while it stops): nobody reads this output any more.
        }
    }

    private sealed class Logger(TestOutputLoggerProvider provider, string category) : ILogger
    {
        // Orleans logs a great deal at Information; its own warnings and this library's information are what explain a run.
        private readonly LogLevel _minimum = category.StartsWith("Sta.MLNet", StringComparison.Ordinal) ? LogLevel.Information : LogLevel.Warning;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= _minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            var shortCategory = category[(category.LastIndexOf('.') + 1)..];
            var line = $"{provider._clock.Elapsed.TotalSeconds,8:F2}s {logLevel,-11} {shortCategory}: {formatter(state, exception)}";
            if (exception is not null) line += $" [{exception.GetType().Name}: {exception.Message}]";
            provider.Write(line);
        }
    }
}

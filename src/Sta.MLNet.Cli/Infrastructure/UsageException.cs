namespace Sta.MLNet.Cli.Infrastructure;

/// <summary>A command line that parses but cannot be acted on (e.g. an input file that does not exist); exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
